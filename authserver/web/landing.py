"""The front page (``/``): where to go from here, the Developer Center, the guides, the API
reference, a mall's metadata and the health checks."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from authserver.demo import DEMO_MALL
from authserver.oauth.metadata import WELL_KNOWN
from authserver.store.malls import find_mall

bp = Blueprint("landing", __name__)


@bp.get("/")
def index() -> str:
    """Links only; the demo mall's (seeded by ``make run``) when it exists, else the pattern."""
    demo_mall = DEMO_MALL if find_mall(DEMO_MALL) is not None else None
    return render_template("landing.html", demo_mall=demo_mall, well_known=WELL_KNOWN)


def init_app(app: Flask) -> None:
    """Register the front page's blueprint."""
    app.register_blueprint(bp)
