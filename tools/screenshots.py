"""Refresh the screenshots in docs/screenshots/ (run by hand, never in CI).

Serves the app on a throw-away SQLite database and a free loopback port, seeds the demo-like
world of the browser tests (``tests/browser/site.py``) and photographs, with Debian's Chromium,
the landing page, the guides, the API reference, the audit trail and the Korean error page at
390 and 1,280 px, and the consent, installed-apps and Developer Center pages the docs show at
1,280 px. Each PNG is reduced to a 256-colour palette and optimised (Pillow), so the committed
files stay small. Korean text needs a Korean font (Debian: ``apt-get install fonts-nanum``)::

    .venv/bin/python tools/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python tools/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the app and the browser tests' world, from this checkout

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from authserver import create_app  # noqa: E402
from authserver.extensions import db  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.site import (  # noqa: E402
    MALL,
    Site,
    log_in_developer,
    log_in_operator,
    log_in_reviewer,
    seed,
)

BOTH = (1280, 390)
WIDE = (1280,)
HEIGHT = {1280: 800, 390: 844}


@dataclass(frozen=True)
class Shot:
    name: str
    path: Callable[[Site], str]
    log_in: Callable[[Page, Site], None] | None = None
    locale: str = "en-US"
    widths: tuple[int, ...] = BOTH
    #: A selector to wait for (pages drawn by a script: the API reference).
    ready: str | None = None


class _QuietHandler(WSGIRequestHandler):
    """No request log: the script prints only the files it writes."""

    def log_request(self, code="-", size="-") -> None:
        return None


def _dev_app(site: Site, tail: str = "") -> str:
    return f"/developers/apps/{site.everything.client_id}{tail}"


SHOTS = (
    Shot("landing", lambda site: "/"),
    Shot("guide-authentication", lambda site: "/developers/guides/authentication"),
    Shot("guide-api", lambda site: "/developers/guides/api"),
    Shot("api-reference", lambda site: "/developers/guides/api-reference", ready=".opblock"),
    Shot("audit", lambda site: "/review/audit", log_in_reviewer),
    Shot(
        "error-ko",
        lambda site: site.authorize_url(site.web, redirect_uri="https://unregistered.example/cb"),
        log_in_operator,
        locale="ko-KR",
    ),
    Shot(
        "consent-en", lambda site: site.authorize_url(site.everything), log_in_operator, widths=WIDE
    ),
    Shot(
        "consent-ko",
        lambda site: site.authorize_url(site.everything),
        log_in_operator,
        locale="ko-KR",
        widths=WIDE,
    ),
    Shot("installed-apps", lambda site: f"/malls/{MALL}/admin/apps", log_in_operator, widths=WIDE),
    Shot("developer-app-list", lambda site: "/developers/apps", log_in_developer, widths=WIDE),
    Shot(
        "developer-permissions",
        lambda site: _dev_app(site, "/permissions"),
        log_in_developer,
        widths=WIDE,
    ),
)


def shrink(path: Path) -> None:
    """A 256-colour palette (screenshots of flat pages lose nothing visible) and zlib's best."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def take(browser, site: Site, shot: Shot, out: Path) -> list[Path]:
    written = []
    context = browser.new_context(locale=shot.locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if shot.log_in is not None:
        shot.log_in(page, site)
    target = shot.path(site)
    page.goto(target if target.startswith("http") else site.base + target)
    if shot.ready:
        page.wait_for_selector(shot.ready)
    for width in shot.widths:
        page.set_viewport_size({"width": width, "height": HEIGHT[width]})
        path = out / (f"{shot.name}-{width}.png" if len(shot.widths) > 1 else f"{shot.name}.png")
        page.screenshot(path=str(path), animations="disabled")
        shrink(path)
        written.append(path)
    context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="authserver-shots-") as instance:
        os.environ["AUTHSERVER_INSTANCE_PATH"] = instance
        app = create_app(
            {
                "AUTHSERVER_DATABASE_URL": f"sqlite:///{instance}/shots.sqlite",
                "AUTHSERVER_RATELIMIT_PATH": f"{instance}/ratelimit.sqlite",
                "AUTHSERVER_ACCESS_LOG": False,
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with app.app_context():
                db.create_all()
                site = seed(base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                for shot in SHOTS:
                    for path in take(browser, site, shot, options.out):
                        print(f"{path}  {path.stat().st_size // 1024} KiB")
                browser.close()
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
