"""The operator's installed apps: the list, and uninstall (SECURITY.md item 44)."""

from __future__ import annotations

import re

import pytest

from authserver.extensions import db
from authserver.models import App, AuditEvent, AuthorizationCode, Developer, Installation, Token

from .helpers import Browser, add_mall, csrf_token, exchange, refresh
from .oauth_helpers import introspect, is_active, obtain_tokens

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _apps_page(browser: Browser) -> str:
    response = browser.get(browser.url(f"/malls/{browser.mall_id}/admin/apps"))
    assert response.status_code == 200
    return response.text


def _uninstall_url(browser: Browser, client_id: str) -> str:
    return browser.url(f"/malls/{browser.mall_id}/admin/apps/{client_id}/uninstall")


def uninstall(browser: Browser, client_id: str):
    page = browser.get(_uninstall_url(browser, client_id))
    assert page.status_code == 200
    return browser.session.post(
        _uninstall_url(browser, client_id),
        data={"csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )


def test_page_lists_installed_apps_with_icon_permissions_installer_and_date(
    live_server, world, browser, app
):
    browser.authorize(world.web)
    browser.authorize(world.other_web, scope="mall.read_order")
    with app.app_context():
        row = db.session.scalar(db.select(App).where(App.client_id == world.web.client_id))
        row.icon, row.icon_content_type = PNG_1X1, "image/png"
        db.session.commit()
    html = _apps_page(browser)
    assert "Web App" in html and "Other App" in html
    assert f'src="/apps/{world.web.client_id}/icon?v=' in html
    assert 'src="/static/img/default-app-icon.svg"' in html  # Other App has no icon: the default
    assert browser.get(browser.url(f"/apps/{world.web.client_id}/icon")).content == PNG_1X1
    # Permissions grouped by category, read and write spelled out.
    assert "Products: read, write" in html
    assert "Orders: read" in html
    assert "Store: read" in html
    assert "owner" in html
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT[^\"]+Z\">\d{4}-\d\d-\d\d</time>", html)
    assert f"/admin/apps/{world.web.client_id}/launch" in html
    assert f"/admin/apps/{world.web.client_id}/uninstall" in html


def test_uninstall_asks_for_confirmation_first(live_server, world, browser, app):
    browser.authorize(world.web)
    page = browser.get(_uninstall_url(browser, world.web.client_id))
    assert page.status_code == 200
    assert "Uninstall Web App?" in page.text
    assert 'name="csrf_token"' in page.text
    assert 'method="post"' in page.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Installation)) == 1


def test_uninstall_without_csrf_changes_nothing(live_server, world, browser, gateway):
    tokens = obtain_tokens(live_server, world.mall_id, world.web, browser)
    response = browser.session.post(
        _uninstall_url(browser, world.web.client_id), data={}, allow_redirects=False
    )
    assert response.status_code == 400
    assert is_active(live_server, world.mall_id, gateway, tokens["access_token"])
    assert "Web App" in _apps_page(browser)


def test_uninstall_revokes_every_token_of_the_app_on_the_mall(live_server, world, browser, app):
    """Item 44: every access and refresh token of the (mall, app) is dead at once; refresh
    is invalid_grant "Uninstalled app"; other apps and other malls are untouched."""
    with app.app_context():
        developer = db.session.scalar(db.select(Developer))
        add_mall("secondmall", test_mall_of=developer)
    from authserver.oauth.gateways import create_gateway

    with app.app_context():
        created, secret = create_gateway("gw")
        gateway = (created.client_id, secret)
    first = obtain_tokens(live_server, world.mall_id, world.web, browser)
    rotated = refresh(live_server, world.mall_id, world.web, first["refresh_token"]).json()
    second = obtain_tokens(live_server, world.mall_id, world.web, browser)
    other_app = obtain_tokens(live_server, world.mall_id, world.other_web, browser)
    elsewhere_browser = Browser(live_server, "secondmall")
    elsewhere_browser.login()
    elsewhere = obtain_tokens(live_server, "secondmall", world.web, elsewhere_browser)

    response = uninstall(browser, world.web.client_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/malls/{world.mall_id}/admin/apps")
    html = _apps_page(browser)
    assert "Web App was uninstalled" in html
    assert "<strong>Web App</strong>" not in html

    dead = [
        first["access_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        second["access_token"],
        second["refresh_token"],
    ]
    for token in dead:
        answer = introspect(live_server, world.mall_id, token, auth=gateway)
        assert answer.content == b'{"active": false}'
    for token in (rotated["refresh_token"], second["refresh_token"]):
        again = refresh(live_server, world.mall_id, world.web, token)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        assert "Uninstalled app" in again.json()["error_description"]
    assert is_active(live_server, world.mall_id, gateway, other_app["access_token"])
    assert is_active(live_server, "secondmall", gateway, elsewhere["access_token"])
    assert refresh(live_server, "secondmall", world.web, elsewhere["refresh_token"]).ok

    with app.app_context():
        web = db.session.scalar(db.select(App).where(App.client_id == world.web.client_id))
        rows = db.session.scalars(db.select(Token).where(Token.app_pk == web.id)).all()
        here = [row for row in rows if row.mall.mall_id == world.mall_id]
        assert len(here) == 3
        assert all(row.access_revoked_at and row.refresh_revoked_at for row in here)
        assert not any(row.access_revoked_at for row in rows if row not in here)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "uninstall"))
        assert event.actor == "operator:owner"
        assert event.client_id == world.web.client_id
        assert event.mall_id == world.mall_id
        assert event.detail["tokens_revoked"] == 3


def test_code_issued_before_uninstall_cannot_be_redeemed(live_server, world, browser, app):
    answer = browser.authorize(world.web)
    uninstall(browser, world.web.client_id)
    response = exchange(live_server, world.mall_id, world.web, answer["code"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "Uninstalled app" in response.json()["error_description"]
    with app.app_context():
        code = db.session.scalar(db.select(AuthorizationCode))
        assert code.used_at is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(Token)) == 0


def test_reinstall_after_uninstall_needs_consent_and_works(live_server, world, browser, gateway):
    old = obtain_tokens(live_server, world.mall_id, world.web, browser)
    uninstall(browser, world.web.client_id)
    page = browser.open_consent(browser.authorize_url(world.web))
    assert page.status_code == 200  # the consent page again, not a silent redirect
    new = obtain_tokens(live_server, world.mall_id, world.web, browser)
    assert is_active(live_server, world.mall_id, gateway, new["access_token"])
    assert not is_active(live_server, world.mall_id, gateway, old["access_token"])


def test_uninstall_needs_this_malls_operator(live_server, world, browser, app):
    browser.authorize(world.web)
    with app.app_context():
        add_mall("othermall")
    other = Browser(live_server, "othermall")
    other.login()
    # The other mall's operator is nobody on testmall: sent to testmall's login.
    anonymous = other.get(_uninstall_url(browser, world.web.client_id))
    assert anonymous.status_code == 302
    assert "/malls/testmall/admin/login" in anonymous.headers["Location"]
    # And on their own mall the app is not installed.
    assert other.get(_uninstall_url(other, world.web.client_id)).status_code == 404


def test_uninstalling_an_app_that_is_not_installed_is_404(live_server, world, browser):
    response = browser.get(_uninstall_url(browser, world.other_web.client_id))
    assert response.status_code == 404


def test_admin_api_answers_401_right_after_uninstall(live_server, world, browser):
    """Issue 4.8: the next Admin API call with a token of the uninstalled app is 401."""
    from .admin_api_support import Api

    tokens = obtain_tokens(live_server, world.mall_id, world.web, browser)
    api = Api(live_server, world.mall_id, tokens["access_token"])
    assert api.get("products").status_code == 200
    assert uninstall(browser, world.web.client_id).status_code == 303
    answer = api.get("products")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert answer.json()["error"]["code"] == 401
