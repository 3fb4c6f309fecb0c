"""Authentication information: App Type, App Key, App Secret (show, copy, reissue)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from authserver.app_status import back_to_review
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
    return render_template(
        "developer_center/credentials.html",
        app=app,
        tab="credentials",
        rereview=back_to_review(app.status) is not None,
    )


@bp.route("/apps/<client_id>/credentials/reissue", methods=["GET", "POST"])
@developer_required
def reissue(client_id: str):
    app = owned_app(client_id)
    form = ConfirmForm()
    rereview = back_to_review(app.status) is not None
    if form.validate_on_submit():
        reissue_secret(app, actor_name())
        db.session.commit()
        message = "A new App Secret is issued. The old one no longer works: update your app now."
        if rereview:
            message += (
                " The app is back under review: no new mall can install it until a reviewer "
                "approves it again; malls that installed it keep working with the new secret."
            )
        flash(message, "success")
        return redirect(url_for("developer_center.credentials", client_id=client_id), code=303)
    return render_template(
        "developer_center/reissue.html", app=app, form=form, tab="credentials", rereview=rereview
    ), form_status(form)
