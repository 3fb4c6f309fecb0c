"""App icons, served from the database so every node of a cluster can answer."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import App

bp = Blueprint("icons", __name__)


@bp.get("/apps/<client_id>/icon", endpoint="app_icon")
def app_icon(client_id: str) -> Response:
    app = db.session.scalar(select(App).where(App.client_id == client_id))
    if app is None or not app.icon:
        abort(404)
    response = Response(app.icon, mimetype=app.icon_content_type or "application/octet-stream")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
