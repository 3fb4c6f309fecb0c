"""The JSON endpoints under ``/malls/<mall_id>/api/v2/oauth``: token, introspect and revoke.

Each reads the URL's mall together with the rows its call needs in one statement
(``store.prime``), then answers through Authlib's server, whose hooks find those rows in the
request's reader. A database failure is a 503 ``temporarily_unavailable`` with nothing changed:
at revocation a 200 would tell the client the token is gone (RFC 7009 §2.2.1), at
introspection a 5xx makes a gateway fail closed.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from authserver.extensions import csrf, db
from authserver.oauth.requests import request_credentials
from authserver.oauth.server import authorization_server
from authserver.oauth.token_lookup import MAX_TOKEN_LENGTH, access_token_digest
from authserver.oauth.transport import require_tls
from authserver.platform.current import this_request
from authserver.platform.errors import oauth_error
from authserver.store import prime
from authserver.store.malls import find_mall

bp = Blueprint("oauth_endpoints", __name__, url_prefix="/malls/<mall_id>/api/v2/oauth")
bp.before_request(require_tls)
csrf.exempt(bp)

#: Token request parameters that must not be repeated (RFC 6749 §3.2).
TOKEN_PARAMETERS = (
    "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope",
    "client_id", "client_secret",
)  # fmt: skip
RETRY_AFTER_SECONDS = "5"


@bp.url_value_preprocessor
def _pull_mall_id(endpoint, values) -> None:
    g.mall_id = (values or {}).pop("mall_id", "")


def _single(form: MultiDict, name: str) -> str | None:
    """The form parameter's one value; ``None`` when it is missing or repeated (the endpoint
    refuses repeats itself, and no row read for it is used then)."""
    values = form.getlist(name)
    return values[0] if len(values) == 1 and values[0] else None


def _claimed_client_id(headers, form: MultiDict) -> str | None:
    credentials = request_credentials(headers)
    return credentials[0] if credentials is not None else _single(form, "client_id")


def _require_mall(mall) -> None:
    if mall is None:
        abort(404, "There is no such mall.")
    g.mall = mall


@bp.post("/token")
def token() -> Response:
    """RFC 6749 §4.1.3 and §6: authorization_code and refresh_token."""
    request = this_request()
    form = request.form
    if not form.get("grant_type"):
        return oauth_error("invalid_request", "The 'grant_type' parameter is required.")
    repeated = [name for name in TOKEN_PARAMETERS if len(form.getlist(name)) > 1]
    if repeated:
        return oauth_error("invalid_request", f"The '{repeated[0]}' parameter is repeated.")
    code = _single(form, "code") if _single(form, "grant_type") == "authorization_code" else None
    claimed = _claimed_client_id(request.headers, form)
    _require_mall(prime.code_exchange(g.mall_id, claimed, code))
    return authorization_server.create_token_response()


@bp.post("/introspect")
def introspect() -> Response:
    """RFC 7662 §2: ``token`` and an optional ``token_type_hint``."""
    request = this_request()
    credentials = request_credentials(request.headers)
    presented = _single(request.form, "token")
    digest = None
    if presented and len(presented) <= MAX_TOKEN_LENGTH:
        digest = access_token_digest(presented)
    gateway_id = credentials[0] if credentials else None
    _require_mall(prime.introspection(g.mall_id, gateway_id, digest))
    return _answer("introspection")


@bp.post("/revoke")
def revoke() -> Response:
    """RFC 7009 §2: ``token`` and an optional ``token_type_hint`` or Cafe24's ``token_hint``."""
    _require_mall(find_mall(g.mall_id))
    return _answer("revocation")


def _answer(endpoint: str) -> Response:
    try:
        return authorization_server.create_endpoint_response(endpoint)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Database error at the %s endpoint", endpoint)
        return oauth_error(
            "temporarily_unavailable",
            "The server cannot answer right now; try again.",
            503,
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
