"""Browser fixtures: one headless Debian Chromium per module, a fresh context per test, the
app's callback ``https://app.example/cb*`` answered inside the browser, and screenshots.

Chromium comes from Debian (``apt-get install -y chromium``; .ci/run does it), never from
``playwright install``. Without /usr/bin/chromium these tests skip and say why; with it they
run (CI always has it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium phones home at start, and this machine's
# closed network refuses those connections; none of them matters to a test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots and other run artifacts (never the committed docs/screenshots/).
ARTIFACTS = Path(
    os.environ.get("AUTHSERVER_ARTIFACTS_DIR")
    or Path(__file__).resolve().parents[2] / "tmp" / "artifacts"
)
CALLBACK = "https://app.example/cb"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole module: starting it is the slow part."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); "
            ".ci/run does"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Callback:
    """What the app's redirect URI received: every URL the browser was sent to."""

    urls: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        self.urls.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>App callback</h1>")


@pytest.fixture
def callback() -> Callback:
    return Callback()


def new_context(browser: Browser, callback: Callback, **options) -> BrowserContext:
    """A fresh browser profile (cookies), 1200 px wide, with the app's callback served here."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, **options)
    context.set_default_timeout(10_000)
    context.route(f"{CALLBACK}*", callback.handle)
    return context


@pytest.fixture
def context(browser, callback) -> Iterator[BrowserContext]:
    context = new_context(browser, callback, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> Path:
    """Save ``<ARTIFACTS>/screenshots/<name>.png`` (the page's content, cropped to the body's
    height) and return its path."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.locator("body").screenshot(path=str(path), animations="disabled")
    return path
