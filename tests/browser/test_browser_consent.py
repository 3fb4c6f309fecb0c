"""The consent page in a real browser: the keyboard alone approves or denies, focus is
visible, labels are bound, and the page speaks Korean or English (Accept-Language, the
switch, ``<html lang>``)."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from ..helpers import PASSWORD, World, exchange, query_of
from .conftest import CALLBACK, Callback, new_context, screenshot


def authorize_url(base: str, world: World) -> str:
    query = {
        "response_type": "code",
        "client_id": world.web.client_id,
        "redirect_uri": CALLBACK,
        "scope": ",".join(world.web.scopes),
        "state": "kbd",
    }
    return f"{base}/malls/{world.mall_id}/api/v2/oauth/authorize?{urlencode(query)}"


def open_consent(page: Page, base: str, world: World, *, user_label: str = "Operator ID") -> None:
    """Follow the app's link, log in on the mall's login page, land on the consent page."""
    page.goto(authorize_url(base, world))
    page.get_by_label(user_label).fill(world.operator)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.locator("form.decision")).to_be_visible()


def tab_to(page: Page, name: str, limit: int = 25) -> list[str]:
    """Press Tab until the focused element's accessible text is ``name``; returns the path."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        path.append(focused)
        if focused == name:
            return path
    raise AssertionError(f"Tab never reached {name!r}; it went through {path}")


def focus_is_visible(page: Page) -> bool:
    """The focused element matches :focus-visible and draws a real outline."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return el.matches(':focus-visible') && style.outlineStyle !== 'none'
                && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def submit_with_key(page: Page, key: str) -> dict[str, str]:
    """Press ``key`` on the focused button; return the query of the server's redirect to the
    app. (Playwright's routing does not see navigations that a key press starts, so the
    redirect is read from the consent form's response; the browser then fails to resolve
    app.example, which does not matter here.)"""
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/oauth/authorize" in r.url
    ) as answer:
        page.keyboard.press(key)
    response = answer.value
    assert response.status == 302
    location = response.headers["location"]
    assert location.startswith(f"{CALLBACK}?"), location
    return query_of(location)


def test_keyboard_alone_tabs_to_approve_and_enter_installs(live_server, world, page: Page):
    open_consent(page, live_server, world)
    path = tab_to(page, "Approve")
    assert path[0] == "Skip to content"  # the first stop skips the navigation
    assert focus_is_visible(page)
    received = submit_with_key(page, "Enter")
    assert received["state"] == "kbd"
    tokens = exchange(live_server, world.mall_id, world.web, received["code"])
    assert tokens.status_code == 200, tokens.text


def test_keyboard_alone_reaches_deny_and_space_denies(live_server, world, page: Page):
    open_consent(page, live_server, world)
    tab_to(page, "Approve")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Deny"
    assert focus_is_visible(page)
    received = submit_with_key(page, "Space")
    assert received["error"] == "access_denied" and "code" not in received


def test_operator_pages_have_bound_labels_lang_and_named_controls(live_server, world, page: Page):
    page.goto(authorize_url(live_server, world))
    assert page.locator("html").get_attribute("lang") == "en"
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
            .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
            .map(el => el.name)"""
    )
    assert unlabelled == []
    expect(page.get_by_label("Operator ID")).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")

    page.get_by_label("Operator ID").fill(world.operator)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    expect(page.get_by_role("button", name="Deny")).to_be_visible()
    expect(page.get_by_role("list", name="Permissions requested")).to_be_visible()
    assert page.locator("img:not([alt])").count() == 0
    expect(page.get_by_role("navigation", name="Language")).to_be_visible()
    expect(page.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")


def test_korean_browser_gets_korean_consent_and_the_switch_persists(
    live_server, world, browser, callback: Callback
):
    context = new_context(browser, callback, locale="ko-KR")
    page = context.new_page()
    page.goto(authorize_url(live_server, world))
    assert page.locator("html").get_attribute("lang") == "ko"
    expect(page.get_by_role("heading", name=f"{world.mall_id} 로그인")).to_be_visible()
    open_consent(page, live_server, world, user_label="운영자 아이디")

    assert page.locator("html").get_attribute("lang") == "ko"
    permissions = page.locator("ul.permissions li")
    expect(permissions.nth(0)).to_contain_text("상품")
    expect(permissions.nth(0)).to_contain_text("쓰기 권한 (등록, 수정, 삭제)")
    expect(permissions.nth(1)).to_contain_text("주문")
    expect(permissions.nth(2)).to_contain_text("상점")
    expect(page.get_by_role("button", name="동의하고 설치")).to_be_visible()
    expect(page.get_by_role("button", name="거부")).to_be_visible()
    screenshot(page, "consent-ko-accept-language")

    # The switch overrides Accept-Language (still ko-KR) and is remembered.
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    page.get_by_role("link", name="Installed apps").click()
    expect(page.get_by_role("heading", name="Installed apps")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
