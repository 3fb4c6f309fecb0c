"""No page of the site overflows horizontally at 390 px (a phone) or 1,280 px (a laptop): a
crawler signs in as a developer, a reviewer and an operator (in English and in Korean), follows
every link of the demo-like world and checks ``scrollWidth <= innerWidth`` on each page at
both widths, the error pages included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from .conftest import Callback, new_context
from .site import MALL, Site, crawl, log_in_developer, log_in_operator, log_in_reviewer, seed

WIDTHS = (1280, 390)

#: What sticks out, for the failure message: the widest elements past the right edge.
OVERFLOWING = """() => {
    const limit = window.innerWidth;
    return [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > limit + 1)
        .slice(-5)
        .map(el => `${el.tagName.toLowerCase()}.${el.className} right=${
            Math.round(el.getBoundingClientRect().right)}`);
}"""


@pytest.fixture
def site(app, live_server) -> Site:
    with app.app_context():
        return seed(live_server)


def overflow_checker(page: Page, problems: list[str]):
    def visit(url: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if sizes[0] > sizes[1]:
                problems.append(f"{url} at {width}px: {sizes} {page.evaluate(OVERFLOWING)}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    return visit


def walk(browser: Browser, callback: Callback, site: Site, log_in, seeds, locale="en-US"):
    context = new_context(browser, callback, locale=locale)
    page = context.new_page()
    if log_in is not None:
        log_in(page, site)
    problems: list[str] = []
    visited = crawl(page, site.base, seeds, overflow_checker(page, problems))
    context.close()
    return visited, problems


def test_developer_center_pages_fit(browser, callback, site):
    seeds = [f"{site.base}/developers/", f"{site.base}/developers/account"]
    visited, problems = walk(browser, callback, site, log_in_developer, seeds)
    assert problems == []
    paths = " ".join(visited)
    for page in ("/apps/new", "/basic", "/permissions", "/credentials", "/status", "/test-malls"):
        assert page in paths, f"the crawl never reached {page}"


def test_signed_out_pages_fit(browser, callback, site):
    seeds = [f"{site.base}/", f"{site.base}/review/login", f"{site.base}/developers/x"]
    visited, problems = walk(browser, callback, site, None, seeds)
    assert problems == []
    assert any(url.endswith("/developers/signup") for url in visited)
    assert any("/developers/guides/" in url for url in visited)


def test_review_console_and_audit_trail_fit(browser, callback, site):
    seeds = [f"{site.base}/review/", f"{site.base}/review/audit"]
    visited, problems = walk(browser, callback, site, log_in_reviewer, seeds)
    assert problems == []
    assert sum("/review/apps/" in url for url in visited) >= 3


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_mall_admin_consent_and_error_pages_fit(browser, callback, site, locale):
    seeds = [
        f"{site.base}/malls/{MALL}/admin/apps",
        site.authorize_url(site.everything),
        *site.error_pages(),
    ]
    visited, problems = walk(browser, callback, site, log_in_operator, seeds, locale=locale)
    assert problems == []
    assert any("/uninstall" in url for url in visited)
