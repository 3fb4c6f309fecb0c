"""Helpers every Developer Center view shares: the login guard, the app lookup, status labels."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from authserver.app_status import STATUS_LABELS, Status
from authserver.extensions import db
from authserver.models import App, Developer
from authserver.web.login import account_required

developer_required = account_required(Developer, "developer_center.login", "developers")


def current_developer() -> Developer:
    """The logged-in developer itself, not Flask-Login's proxy (it goes into ORM relations):
    the session's identity map already holds the row the user loader read, so no query."""
    return db.session.get(Developer, current_user.id)


def actor_name() -> str:
    return f"developer:{current_developer().email}"


def owned_app(client_id: str) -> App:
    """The signed-in developer's app, or 404 (another developer's app does not exist for them)."""
    app = db.session.scalar(
        select(App).where(App.client_id == client_id, App.developer_id == current_developer().id)
    )
    if app is None:
        abort(404, "There is no such app in your account.")
    return app


def status_label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return status


def form_status(form) -> int:
    """200 for a page, 400 for a refused submission (the page again, with the messages)."""
    return 400 if form.errors else 200
