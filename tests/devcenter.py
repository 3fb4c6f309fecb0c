"""Helpers for the Developer Center and review console tests: log in, post forms with their
CSRF token, make real images with Pillow, read rows back."""

from __future__ import annotations

import io
import os

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from authserver.extensions import db
from authserver.models import App, AuditEvent, Developer, Reviewer

from .helpers import PASSWORD, csrf_token

REVIEWER = "reviewer@platform.example"


def add_account(model, email: str, password: str = PASSWORD):
    account = model(email=email)
    account.set_password(password)
    db.session.add(account)
    db.session.commit()
    return account


def add_developer(email: str) -> Developer:
    return add_account(Developer, email)


def add_reviewer(email: str = REVIEWER) -> Reviewer:
    return add_account(Reviewer, email)


def post_form(client: FlaskClient, page: str, data: dict, action: str | None = None, **kwargs):
    """GET ``page``, take its CSRF token, POST ``data`` to ``action`` (default: the page)."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={**data, "csrf_token": token}, **kwargs)


def log_in(client: FlaskClient, email: str, password: str = PASSWORD, area: str = "developers"):
    page = f"/{area}/login"
    response = post_form(client, page, {"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def app_row(client_id: str) -> App | None:
    db.session.expire_all()
    return db.session.scalar(select(App).where(App.client_id == client_id))


def audit_events(event: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def image_bytes(size=(120, 120), fmt: str = "PNG", noisy: bool = False) -> bytes:
    """A real image made by Pillow; ``noisy`` makes it incompressible (large files)."""
    if noisy:
        image = Image.frombytes("RGBA", size, os.urandom(size[0] * size[1] * 4))
    else:
        image = Image.new("RGB", size, (34, 86, 214))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def text(response) -> str:
    return response.get_data(as_text=True)
