"""The Developer Center (``/developers/...``): accounts, apps, credentials, review, test malls."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("developer_center", __name__, url_prefix="/developers")


def init_app(app: Flask) -> None:
    """Register the Developer Center's blueprint and its views."""
    from authserver.web.developer_center import accounts, apps, credentials, lifecycle, test_malls  # noqa: F401 (routes)

    app.register_blueprint(bp)
