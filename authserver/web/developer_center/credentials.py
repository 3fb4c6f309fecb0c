"""Authentication information: App Type, App Key, App Secret (show, copy, reissue)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from authserver.extensions import db
from authserver.web.developer_center import bp
from authserver.web.developer_center.common import (
    actor_name,
    developer_required,
    form_status,
    owned_app,
)
from authserver.web.developer_center.forms import ConfirmForm
from authserver.web.developer_center.operations import reissue_secret


@bp.get("/apps/<client_id>/credentials")
@developer_required
def credentials(client_id: str):
    app = owned_app(client_id)
    return render_template("developer_center/credentials.html", app=app, tab="credentials")


@bp.route("/apps/<client_id>/credentials/reissue", methods=["GET", "POST"])
@developer_required
def reissue(client_id: str):
    app = owned_app(client_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        reissue_secret(app, actor_name())
        db.session.commit()
        flash(
            "A new App Secret is issued. The old one no longer works: update your app now.",
            "success",
        )
        return redirect(url_for("developer_center.credentials", client_id=client_id), code=303)
    return render_template(
        "developer_center/reissue.html", app=app, form=form, tab="credentials"
    ), form_status(form)
