"""Status and review from the developer's side: submit, resubmit, delete after confirmation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from authserver.app_status import Actor, Status, may_delete, may_transition
from authserver.extensions import db
from authserver.web.developer_center import bp
from authserver.web.developer_center.common import (
    actor_name,
    developer_required,
    form_status,
    owned_app,
)
from authserver.web.developer_center.forms import ActionForm, ConfirmForm
from authserver.web.developer_center.operations import Refused, change_status, delete_app


#: What a developer must have filled in before platform staff can review the app.
def readiness_problems(app) -> list[str]:
    problems = []
    if not app.redirect_uris:
        problems.append("Register at least one Redirect URI (Basic information).")
    if not app.scopes:
        problems.append("Choose at least one permission (Permissions).")
    return problems


def _status_page(app, *, error: str | None = None, status: int = 200):
    can_submit = may_transition(app.status, Status.UNDER_REVIEW, Actor.DEVELOPER)
    return render_template(
        "developer_center/status.html",
        app=app,
        tab="status",
        form=ActionForm(),
        can_submit=can_submit,
        problems=readiness_problems(app) if can_submit else [],
        can_delete=may_delete(app.status, Actor.DEVELOPER),
        error=error,
    ), status


@bp.get("/apps/<client_id>/status")
@developer_required
def status(client_id: str):
    return _status_page(owned_app(client_id))


@bp.post("/apps/<client_id>/submit")
@developer_required
def submit(client_id: str):
    app = owned_app(client_id)
    problems = readiness_problems(app)
    if problems:
        return _status_page(app, error="Complete the app before submitting it.", status=409)
    resubmission = app.status == Status.REVIEW_REJECTED
    try:
        change_status(app, Status.UNDER_REVIEW, Actor.DEVELOPER, actor_name())
    except Refused as refused:
        db.session.rollback()
        return _status_page(app, error=str(refused), status=409)
    db.session.commit()
    flash("Resubmitted for review." if resubmission else "Submitted for review.", "success")
    return redirect(url_for("developer_center.status", client_id=client_id), code=303)


@bp.route("/apps/<client_id>/delete", methods=["GET", "POST"])
@developer_required
def delete(client_id: str):
    app = owned_app(client_id)
    allowed = may_delete(app.status, Actor.DEVELOPER)
    form = ConfirmForm()
    if allowed and form.validate_on_submit():
        name = app.name
        try:
            delete_app(app, Actor.DEVELOPER, actor_name())
        except Refused:  # pragma: no cover - may_delete was checked above
            db.session.rollback()
            raise
        db.session.commit()
        flash(f"{name} is deleted; its installations and tokens are revoked.", "success")
        return redirect(url_for("developer_center.apps"), code=303)
    status = form_status(form)
    if not allowed and form.is_submitted():
        status = 403
    return render_template(
        "developer_center/delete.html", app=app, form=form, tab="status", allowed=allowed
    ), status
