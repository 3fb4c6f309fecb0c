"""The review console (``/review/...``): platform staff approve, reject, end sales, delete."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("review", __name__, url_prefix="/review")


def init_app(app: Flask) -> None:
    """Register the review console's blueprint and its views."""
    from authserver.web.review import views  # noqa: F401 (routes)

    app.register_blueprint(bp)
