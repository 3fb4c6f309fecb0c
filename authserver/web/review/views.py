"""Review console pages: login, the queue, one app, approve / reject / sold / delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from authserver.app_status import STATUS_LABELS, Actor, Status, may_delete, may_transition
from authserver.extensions import db
from authserver.models import App, Reviewer
from authserver.scopes import group_by_category
from authserver.security import audit
from authserver.web.developer_center.operations import Refused, change_status, delete_app
from authserver.web.login import account_required, email_login, end_session
from authserver.web.review import bp
from authserver.web.review.forms import ActionForm, ConfirmForm, LoginForm, RejectForm

reviewer_required = account_required(Reviewer, "review.login", "reviewers")


def _who() -> str:
    return f"reviewer:{current_user.email}"


def _app(client_id: str) -> App:
    app = db.session.scalar(select(App).where(App.client_id == client_id))
    if app is None:
        abort(404, "There is no such app.")
    return app


@bp.route("/login", methods=["GET", "POST"])
def login():
    return email_login(Reviewer, LoginForm(), "review/login.html", "review.queue")


@bp.post("/logout")
def logout():
    end_session()
    flash("You are logged out.", "success")
    return redirect(url_for("review.login"), code=303)


@bp.get("/")
@reviewer_required
def queue():
    def with_status(status: Status):
        return db.session.scalars(
            select(App).where(App.status == status.value).order_by(App.updated_at, App.id)
        ).all()

    return render_template(
        "review/queue.html",
        queue=with_status(Status.UNDER_REVIEW),
        for_sale=with_status(Status.FOR_SALE),
    )


@bp.get("/audit")
@reviewer_required
def audit_trail():
    """The security audit trail, newest first, optionally of one event kind."""
    event = request.args.get("event", "")
    if event not in audit.EVENTS:
        event = ""
    return render_template(
        "review/audit.html",
        events=[audit.as_dict(entry) for entry in audit.recent(event or None, limit=200)],
        kinds=audit.EVENTS,
        selected=event,
    )


def _app_page(app: App, *, reject_form=None, error: str | None = None, status: int = 200):
    return render_template(
        "review/app.html",
        app=app,
        action_form=ActionForm(),
        reject_form=reject_form or RejectForm(),
        groups=group_by_category(app.scopes),
        can_decide=may_transition(app.status, Status.FOR_SALE, Actor.REVIEWER),
        can_end_sale=may_transition(app.status, Status.SOLD, Actor.REVIEWER),
        can_delete=may_delete(app.status, Actor.REVIEWER),
        error=error,
    ), status


@bp.get("/apps/<client_id>")
@reviewer_required
def app_detail(client_id: str):
    return _app_page(_app(client_id))


def _move(client_id: str, target: Status, done: str, reason: str | None = None):
    app = _app(client_id)
    try:
        change_status(app, target, Actor.REVIEWER, _who(), reason)
    except Refused as refused:
        db.session.rollback()
        return _app_page(app, error=str(refused), status=409)
    db.session.commit()
    flash(done.format(name=app.name, status=STATUS_LABELS[Status(app.status)].lower()), "success")
    return redirect(url_for("review.app_detail", client_id=client_id), code=303)


@bp.post("/apps/<client_id>/approve")
@reviewer_required
def approve(client_id: str):
    return _move(client_id, Status.FOR_SALE, "{name} is approved and now {status}.")


@bp.post("/apps/<client_id>/reject")
@reviewer_required
def reject(client_id: str):
    form = RejectForm()
    if not form.validate_on_submit():
        return _app_page(_app(client_id), reject_form=form, status=400)
    return _move(
        client_id,
        Status.REVIEW_REJECTED,
        "{name} is rejected; the developer sees your reason.",
        form.reason.data,
    )


@bp.post("/apps/<client_id>/sold")
@reviewer_required
def mark_sold(client_id: str):
    return _move(client_id, Status.SOLD, "The sale of {name} has ended.")


@bp.route("/apps/<client_id>/delete", methods=["GET", "POST"])
@reviewer_required
def delete(client_id: str):
    app = _app(client_id)
    allowed = may_delete(app.status, Actor.REVIEWER)
    form = ConfirmForm()
    if allowed and form.validate_on_submit():
        name = app.name
        delete_app(app, Actor.REVIEWER, _who())
        db.session.commit()
        flash(f"{name} is deleted; its installations and tokens are revoked.", "success")
        return redirect(url_for("review.queue"), code=303)
    status = 400 if form.errors else 200
    if not allowed and request.method == "POST":
        status = 403
    return render_template("review/delete.html", app=app, form=form, allowed=allowed), status
