"""The operator's actions on an installed app: open it (the signed launch) and uninstall it.

``GET  /malls/<mall_id>/admin/apps/<client_id>/launch``     302 to the App URL, signed
``GET  /malls/<mall_id>/admin/apps/<client_id>/uninstall``  the confirmation page
``POST /malls/<mall_id>/admin/apps/<client_id>/uninstall``  uninstall (CSRF-protected form)

Uninstalling deletes the installation and revokes every token of that app on this mall in one
transaction (DESIGN.md "Lifetimes and rotation"; SECURITY.md item 44).
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select

from authserver.extensions import db
from authserver.models import App, Installation, Operator
from authserver.oauth.revocation import revoke_installation_tokens
from authserver.platform.errors import error_page
from authserver.platform.i18n import current_language
from authserver.platform.redirects import current_path
from authserver.security import audit
from authserver.web.mall_admin import auth
from authserver.web.mall_admin.launch import launch_params, launch_url
from authserver.web.mall_admin.views import bp


def _login_redirect() -> Response:
    return redirect(url_for("mall_admin.login", next=current_path()))


def _installed(client_id: str) -> tuple[App, Installation] | None:
    if not client_id or len(client_id) > 64:
        return None
    row = db.session.execute(
        select(App, Installation)
        .join(Installation, Installation.app_pk == App.id)
        .where(App.client_id == client_id, Installation.mall_pk == g.mall.id)
    ).first()
    return (row[0], row[1]) if row else None


def _not_installed():
    return error_page(404, _("App not installed"), _("This app is not installed on this mall."))


@bp.get("/apps/<client_id>/launch")
def launch(client_id: str):
    """DESIGN.md "Launch": 302 to the App URL with the six parameters and their ``hmac``."""
    operator: Operator | None = auth.current_operator(g.mall)
    if operator is None:
        return _login_redirect()
    found = _installed(client_id)
    if found is None:
        return _not_installed()
    app, _ = found
    # ``lang``: the language the operator reads the mall admin in (Accept-Language, switch).
    params = launch_params(
        mall_id=g.mall.mall_id, user_id=operator.user_id, lang=current_language()
    )
    response = redirect(launch_url(app.app_url, params, app.client_secret), code=302)
    # The signed URL is good for five minutes: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/apps/<client_id>/uninstall", methods=["GET", "POST"])
def uninstall(client_id: str):
    operator = auth.current_operator(g.mall)
    if operator is None:
        return _login_redirect()
    found = _installed(client_id)
    if found is None:
        return _not_installed()
    app, installation = found
    if request.method == "GET":
        return render_template("mall_admin/uninstall.html", mall=g.mall, operator=operator, app=app)
    # Delete first: a refresh or code redemption racing with this sees no installation, or
    # is caught by the revocation pass that follows (see revoke_installation_tokens).
    db.session.execute(delete(Installation).where(Installation.id == installation.id))
    revoked = revoke_installation_tokens(g.mall.id, app.id)
    audit.record(
        "uninstall",
        actor=f"operator:{operator.user_id}",
        mall_id=g.mall.mall_id,
        client_id=app.client_id,
        tokens_revoked=revoked,
    )
    db.session.commit()
    flash(_("%(app)s was uninstalled; its access to this mall ended.", app=app.name), "success")
    return redirect(url_for("mall_admin.apps"), code=303)
