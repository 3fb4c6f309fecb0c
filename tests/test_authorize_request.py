"""The authorization request rules (DESIGN.md, "Authorization request rules"; RFC 6749 §4.1.1,
RFC 9700 §4.1.3 and §4.11.2): what is an error page, what redirects, and when."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App, Developer

from .helpers import WEB_REDIRECT, Browser, add_app, add_mall, query_of


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    return browser


def assert_error_page(response, *, not_echoing: str | None = None) -> None:
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    if not_echoing:
        assert not_echoing not in response.text


@pytest.mark.parametrize(
    "variant",
    [
        WEB_REDIRECT + "/",
        "HTTPS://APP.example/cb",
        "http://app.example/cb",
        "https://app.example:443/cb",
        WEB_REDIRECT + "?x=1",
        "https://app.example%2Fcb",
        "https://app.example/cb/../evil",
        "https://app.example.evil.com/cb",
        "https://app.example@evil.com/cb",
        WEB_REDIRECT + "#frag",
        WEB_REDIRECT + '"x',
        WEB_REDIRECT + "\u00e9",
    ],
)
def test_redirect_uri_must_match_exactly(browser, world, variant):
    response = browser.get(browser.authorize_url(world.web, redirect_uri=variant))
    assert_error_page(response, not_echoing=f'href="{variant}')


def test_missing_or_unknown_client_is_an_error_page(browser, world):
    assert_error_page(browser.get(browser.authorize_url(world.web, client_id=None)))
    assert_error_page(browser.get(browser.authorize_url(world.web, client_id="nope")))
    assert_error_page(browser.get(browser.authorize_url(world.web, client_id="x" * 500)))


def test_missing_redirect_uri_is_an_error_page(browser, world):
    assert_error_page(browser.get(browser.authorize_url(world.web, redirect_uri=None)))


def test_redirect_uri_of_another_app_is_an_error_page(browser, app, world):
    with app.app_context():
        developer = db.session.scalar(db.select(Developer))
        other = add_app(developer, name="Elsewhere", redirect_uris=["https://evil.example/cb"])
    url = browser.authorize_url(world.web, redirect_uri=other.redirect_uri)
    assert_error_page(browser.get(url), not_echoing="https://evil.example/cb")


def test_repeated_client_id_or_redirect_uri_is_an_error_page(browser, world):
    base = browser.authorize_url(world.web)
    assert_error_page(browser.get(base + f"&client_id={world.web.client_id}"))
    assert_error_page(browser.get(base + f"&redirect_uri={quote(WEB_REDIRECT, safe='')}"))


def test_repeated_scope_redirects_with_invalid_request(browser, world):
    response = browser.get(browser.authorize_url(world.web) + "&scope=mall.read_product")
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == "invalid_request"
    assert query["state"] == "xyz"


def test_unknown_parameters_are_ignored(browser, world):
    query = browser.authorize(world.web, foo="bar")
    assert query["code"]


def test_anonymous_visitor_with_bad_scope_sees_login_not_a_redirect(live_server, world):
    anonymous = Browser(live_server, world.mall_id)
    response = anonymous.get(anonymous.authorize_url(world.web, scope="mall.read_nothing"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/malls/{world.mall_id}/admin/login")


def test_anonymous_visitor_with_unknown_client_gets_the_error_page(live_server, world):
    anonymous = Browser(live_server, world.mall_id)
    assert_error_page(anonymous.get(anonymous.authorize_url(world.web, client_id="nope")))


def test_state_is_echoed_exactly_with_iss(browser, world, live_server):
    url = browser.authorize_url(world.web, scope="mall.read_customer", state="a&b=c %")
    response = browser.get(url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(WEB_REDIRECT + "?")
    query = query_of(location)
    assert query["error"] == "invalid_scope"
    assert query["state"] == "a&b=c %"
    assert query["iss"] == f"{live_server}/malls/{world.mall_id}"


def test_state_is_optional(browser, world):
    query = browser.authorize(world.web, state=None)
    assert "state" not in query
    assert query["code"]


@pytest.mark.parametrize(
    "scope, error",
    [
        (None, "invalid_request"),
        ("", "invalid_request"),
        ("mall.read_customer", "invalid_scope"),
        ("mall.read_product,mall.read_nonsense", "invalid_scope"),
        ("mall.write_salesreport", "invalid_scope"),
    ],
)
def test_scope_is_required_and_must_be_registered(browser, world, scope, error):
    response = browser.get(browser.authorize_url(world.web, scope=scope))
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == error


@pytest.mark.parametrize("separator", [",", " ", ", "])
def test_scope_may_be_comma_or_space_separated(browser, world, separator):
    query = browser.authorize(world.web, scope=separator.join(world.web.scopes))
    assert query["code"]


@pytest.mark.parametrize("response_type", ["token", "code token", "%22", "id_token"])
def test_other_response_types_are_unsupported(browser, world, response_type):
    response = browser.get(browser.authorize_url(world.web, response_type=response_type))
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == "unsupported_response_type"
    assert "access_token" not in response.headers["Location"]
    assert query["state"] == "xyz"


def _set_status(app, client_id: str, status: str) -> None:
    with app.app_context():
        row = db.session.scalar(db.select(App).where(App.client_id == client_id))
        row.status = status
        db.session.commit()


@pytest.mark.parametrize(
    "status", [Status.IN_PRODUCTION, Status.UNDER_REVIEW, Status.REVIEW_REJECTED]
)
def test_unreleased_apps_only_on_the_developers_test_malls(app, live_server, world, status):
    _set_status(app, world.web.client_id, status)
    with app.app_context():
        add_mall("realmall")
    assert Browser(live_server, world.mall_id).login().status_code == 303
    on_test_mall = Browser(live_server, world.mall_id)
    on_test_mall.login()
    assert on_test_mall.authorize(world.web)["code"]

    elsewhere = Browser(live_server, "realmall")
    elsewhere.login()
    response = elsewhere.get(elsewhere.authorize_url(world.web))
    assert query_of(response.headers["Location"])["error"] == "unauthorized_client"


def test_for_sale_apps_anywhere(app, live_server, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    with app.app_context():
        add_mall("realmall")
    browser = Browser(live_server, "realmall")
    browser.login()
    assert browser.authorize(world.web)["code"]


def test_sold_apps_only_where_still_installed(app, live_server, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    with app.app_context():
        add_mall("realmall")
        add_mall("newmall")
    installed = Browser(live_server, "realmall")
    installed.login()
    assert installed.authorize(world.web)["code"]
    _set_status(app, world.web.client_id, Status.SOLD)

    assert installed.authorize(world.web)["code"]
    fresh = Browser(live_server, "newmall")
    fresh.login()
    response = fresh.get(fresh.authorize_url(world.web))
    assert query_of(response.headers["Location"])["error"] == "unauthorized_client"


def test_unknown_mall_is_not_found(live_server, world):
    browser = Browser(live_server, "nomall")
    response = browser.get(browser.authorize_url(world.web))
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
