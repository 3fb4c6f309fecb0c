"""The API reference, the guides and the front page in a real browser with the network cut
off: every request that is not to this server is blocked (and recorded), and Swagger UI must
still render every operation of /openapi.json, with no Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, expect

from .conftest import screenshot

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


class Offline:
    """Routes every request: this server's go on, any other is aborted and recorded."""

    def __init__(self, live_server: str):
        self.origin = urlsplit(live_server).netloc
        self.blocked: list[str] = []

    def handle(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == self.origin:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def offline(browser, live_server) -> Iterator[tuple[BrowserContext, Offline]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    cut = Offline(live_server)
    context.route("**/*", cut.handle)
    yield context, cut
    context.close()


def watch_console(page: Page) -> list[str]:
    """Errors on the console (a CSP refusal is one) and uncaught exceptions."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_api_reference_renders_every_operation_offline(live_server, offline):
    context, cut = offline
    document = requests.get(f"{live_server}/openapi.json").json()
    operations = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
    page = context.new_page()
    problems = watch_console(page)
    page.goto(f"{live_server}/developers/guides/api-reference")
    expect(page.locator(".swagger-ui .opblock")).to_have_count(len(operations))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(document["info"]["title"])
    token = page.locator(".opblock", has_text="/malls/{mall_id}/api/v2/oauth/token").first
    expect(token.locator(".opblock-summary-method")).to_have_text("POST")
    token.locator(".opblock-summary-control").click()  # an operation opens, schemas and all
    expect(token.locator(".opblock-body")).to_be_visible()
    expect(
        token.locator(".parameters-container, .opblock-section-request-body").first
    ).to_be_visible()
    assert cut.blocked == []
    assert problems == []
    screenshot(page, "api-reference-operation")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/", "landing"),
        ("/developers/guides/authentication", "guide-authentication"),
        ("/developers/guides/api", "guide-api"),
        ("/developers/guides/api-reference", "api-reference"),
    ],
)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_front_page_and_guides_load_offline_and_fit(live_server, offline, path, name, width):
    context, cut = offline
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems = watch_console(page)
    page.goto(live_server + path)
    expect(page.locator("h1").first).to_be_visible()
    if "api-reference" in path:
        # Swagger UI renders the whole document in the page: waiting for it is not what this
        # test checks, so it gets the time a loaded 2-core machine takes (5 s was once short).
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows
    assert cut.blocked == [] and problems == []
    screenshot(page, f"{name}-{width}")
