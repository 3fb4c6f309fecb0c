"""The pages issue 19 fixed, as a browser draws them: the secret's toggle turns into Hide, the
review console's pills are as wide as their text, the audit trail's Detail column is on screen
with times on two unbroken lines, the consent page's default icon, display name and
descriptions, and the Korean error page's detail line."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from authserver import scopes

from .conftest import Callback, new_context, screenshot
from .site import MALL, Site, log_in_developer, log_in_operator, log_in_reviewer, seed


@pytest.fixture
def site(app, live_server) -> Site:
    with app.app_context():
        return seed(live_server)


def signed_in(browser: Browser, callback: Callback, site: Site, log_in, **options) -> Page:
    page = new_context(browser, callback, **options).new_page()
    log_in(page, site)
    return page


def test_the_secret_toggle_reads_hide_while_the_secret_is_shown(browser, callback, site):
    page = signed_in(browser, callback, site, log_in_developer, locale="en-US")
    page.goto(f"{site.base}/developers/apps/{site.web.client_id}/credentials")
    toggle = page.locator("details.secret summary")
    secret = page.locator("#app-secret")
    expect(toggle).to_have_text("Show App Secret", use_inner_text=True)
    expect(secret).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_text("Hide App Secret", use_inner_text=True)
    expect(secret).to_be_visible()
    toggle.click()
    expect(toggle).to_have_text("Show App Secret", use_inner_text=True)
    expect(secret).to_be_hidden()


def test_review_pills_are_as_wide_as_their_text(browser, callback, site):
    page = signed_in(browser, callback, site, log_in_reviewer, locale="en-US")
    page.goto(f"{site.base}/review/apps/{site.everything.client_id}")
    items = page.locator("ul.permissions > li")
    expect(items).to_have_count(len(scopes.CATEGORIES))
    card = items.first.bounding_box()
    for badge in page.locator("ul.permissions .badge").all():
        box = badge.bounding_box()
        assert box["width"] < 80 and box["width"] < card["width"] / 4, box
    labels = [item.locator("strong").inner_text() for item in items.all()]
    lines = [item.locator(".muted").inner_text() for item in items.all()]
    assert all(label != line for label, line in zip(labels, lines, strict=True))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_audit_trail_fits_with_readable_times(browser, callback, site, width):
    page = signed_in(browser, callback, site, log_in_reviewer, locale="en-US")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site.base}/review/audit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    detail = page.locator("td[data-label=Detail]:has(li)").first.bounding_box()
    assert detail["x"] + detail["width"] <= width
    date = page.locator(".audit-date").first.bounding_box()
    clock = page.locator(".audit-clock").first.bounding_box()
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.audit-date')).lineHeight)"
    )
    assert date["height"] <= line + 1 and clock["height"] <= line + 1  # neither breaks inside
    if width == 1280:
        assert clock["y"] > date["y"]  # the time under the date
    screenshot(page, f"audit-{width}")


def test_the_consent_page_shows_the_default_icon_display_name_and_descriptions(
    browser, callback, site
):
    page = signed_in(browser, callback, site, log_in_operator, locale="en-US")
    page.goto(site.authorize_url(site.everything))
    icon = page.locator(".app-heading img.app-icon")
    expect(icon).to_be_visible()
    assert page.evaluate("document.querySelector('.app-heading img').naturalWidth") > 0
    expect(page.get_by_text("by Demo Developer Studio")).to_be_visible()
    assert site.developer not in page.content()
    descriptions = page.locator("ul.permissions > li > .muted")
    expect(descriptions).to_have_count(len(scopes.CATEGORIES))
    for description in descriptions.all():
        expect(description).to_be_visible()
    screenshot(page, "consent-every-category")


def test_the_korean_error_page_shows_a_korean_detail_line(browser, callback, site):
    page = signed_in(browser, callback, site, log_in_operator, locale="ko-KR")
    page.goto(site.authorize_url(site.web, redirect_uri="https://unregistered.example/cb"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_text("상세: 이 앱에 등록되지 않은 redirect_uri입니다.")).to_be_visible()
    expect(page.locator(".brand")).to_contain_text(MALL)
