"""The authorization endpoint under ``/malls/<mall_id>/api/v2/oauth``: login, then consent."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from authserver.extensions import db
from authserver.models import App, AuthorizationRequest
from authserver.models.base import utcnow
from authserver.oauth.grants import find_installation
from authserver.oauth.requests import ServerRequest
from authserver.oauth.server import authorization_server
from authserver.oauth.transport import require_tls
from authserver.platform.errors import error_page
from authserver.platform.i18n import N_
from authserver.platform.tenancy import bind_mall
from authserver.scopes import group_by_category
from authserver.web.mall_admin.auth import current_operator

bp = Blueprint("oauth", __name__, url_prefix="/malls/<mall_id>/api/v2/oauth")
bind_mall(bp)

#: How many open consent pages one browser session keeps track of.
_PENDING_LIMIT = 5


bp.before_request(require_tls)


@bp.get("/authorize")
def authorize():
    """RFC 6749 §4.1.1. Unknown client or redirect URI: an error page, never a redirect. Every
    other error redirects, but only once the operator has logged in (RFC 9700 §4.11.2)."""
    operator = current_operator(g.mall)
    try:
        grant = authorization_server.get_consent_grant(end_user=operator)
    except OAuth2Error as error:
        if error.redirect_uri is None:
            return _authorization_error_page(error)
        if operator is None:
            return _login_redirect()
        return _error_redirect(error)
    if operator is None:
        return _login_redirect()

    client = grant.client
    requested = grant.request.scope.split()
    installation = find_installation(g.mall, client)
    granted = set(installation.scopes) if installation else set()
    new_scopes = [scope for scope in requested if scope not in granted]
    if not new_scopes:
        # Everything asked for was consented before: no page, straight back with a code.
        return authorization_server.create_authorization_response(grant=grant, grant_user=operator)

    pending = AuthorizationRequest(
        id=secrets.token_urlsafe(32),
        mall_pk=g.mall.id,
        operator_pk=operator.id,
        params={key: request.args[key] for key in request.args},
        expires_at=utcnow() + timedelta(seconds=current_app.config["AUTHSERVER_CONSENT_TTL"]),
    )
    db.session.add(pending)
    db.session.commit()
    _remember_pending(pending.id)
    return render_template(
        "oauth/consent.html",
        mall=g.mall,
        operator=operator,
        # The page shows the app's icon and developer: the entity, not the grant's plain row.
        app=db.session.get(App, client.id),
        new_groups=group_by_category(new_scopes),
        granted_groups=group_by_category(granted),
        form_action=_this_url(),
    )


@bp.post("/authorize")
def authorize_decision():
    """The consent form: ``decision`` (approve or deny) and ``csrf_token``. The request it
    answers is the one stored when the page was shown, matched by this URL's query."""
    operator = current_operator(g.mall)
    if operator is None:
        return _login_redirect()
    pending_id = session.get("consent", {}).get(_query_key())
    pending = db.session.get(AuthorizationRequest, pending_id) if pending_id else None
    if pending is None or pending.operator_pk != operator.id or pending.mall_pk != g.mall.id:
        return error_page(
            400,
            _("Consent expired"),
            _("Open the app's authorization link again to see its request."),
        )
    decisions = request.form.getlist("decision")
    if decisions not in (["approve"], ["deny"]):
        return error_page(400, _("No decision"), _("Choose Approve or Deny."))
    if not AuthorizationRequest.answer(pending.id):
        db.session.rollback()
        return error_page(
            400, _("Already answered"), _("This request was answered already or has expired.")
        )

    oauth_request = ServerRequest.from_stored(request.base_url, request.headers, pending.params)
    try:
        grant = authorization_server.get_consent_grant(request=oauth_request, end_user=operator)
    except OAuth2Error as error:
        db.session.commit()
        if error.redirect_uri is None:
            return _authorization_error_page(error)
        return _error_redirect(error)
    response = authorization_server.create_authorization_response(
        request=oauth_request,
        grant_user=operator if decisions == ["approve"] else None,
        grant=grant,
    )
    db.session.commit()
    return response


def _this_url() -> str:
    """This path with its query exactly as received (the consent form posts back to it)."""
    return url_for("oauth.authorize") + "?" + request.query_string.decode("latin-1")


def _login_redirect():
    return redirect(url_for("mall_admin.login", next=_this_url()))


def _error_redirect(error: OAuth2Error):
    response = authorization_server.handle_error_response(None, error)
    authorization_server.execute_hook("after_create_authorization_response", response)
    return response


#: The descriptions that reach the error page (no usable client or redirect URI, so nowhere to
#: redirect) besides the ones marked where they are raised (``grants.py``): Authlib's and the
#: repeated-parameter check's, marked here for the catalogue. JSON answers keep the English.
PAGE_DESCRIPTIONS = (
    N_("Missing 'client_id' parameter."),
    N_("The client does not exist on this server."),
    N_("The 'client_id' parameter is repeated."),
    N_("The 'redirect_uri' parameter is repeated."),
    N_("Only response_type=code is supported."),
)


def _authorization_error_page(error: OAuth2Error):
    # The description is one of ours or Authlib's (never the request's input), so it is safe
    # to show; the page shows it in the operator's language (the catalogue has every one).
    return error_page(
        400,
        _("This app's request cannot be processed"),
        _("The link that opened this page is not valid. Tell the app's developer."),
        detail=_(error.description) if error.description else "",
    )


def _query_key() -> str:
    return hashlib.sha256(request.query_string).hexdigest()[:32]


def _remember_pending(pending_id: str) -> None:
    """Bind the page just shown to this browser session, keyed by its exact query string."""
    pending = dict(session.get("consent", {}))
    pending[_query_key()] = pending_id
    session["consent"] = dict(list(pending.items())[-_PENDING_LIMIT:])
