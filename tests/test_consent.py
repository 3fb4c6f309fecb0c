"""Login and consent (DESIGN.md "Consent"; RFC 6749 §10.12, RFC 9700 §4.11, SECURITY.md 31-35)."""

from __future__ import annotations

import threading

import pytest
import requests

from authserver.extensions import db
from authserver.models import App, AuthorizationCode, Installation

from .helpers import Browser, csrf_token, exchange, query_of


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _installation(app, client_id):
    with app.app_context():
        return db.session.scalar(
            db.select(Installation).join(App).where(App.client_id == client_id)
        )


def _code_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(AuthorizationCode))


def test_login_page_then_back_to_the_request(live_server, world):
    browser = Browser(live_server, world.mall_id)
    url = browser.authorize_url(world.web)
    first = browser.get(url)
    login_url = first.headers["Location"]
    assert login_url.startswith(f"/malls/{world.mall_id}/admin/login?next=")
    page = browser.session.get(browser.url(login_url))
    assert 'name="user_id"' in page.text and 'name="password"' in page.text
    answer = browser.session.post(
        browser.url(login_url),
        data={
            "user_id": "owner",
            "password": "correct horse battery",
            "csrf_token": csrf_token(page.text),
            "next": url.split(browser.base_url, 1)[1],
        },
        allow_redirects=False,
    )
    assert answer.status_code == 303
    assert browser.url(answer.headers["Location"]) == url


def test_wrong_password_is_refused_with_a_message(live_server, world):
    browser = Browser(live_server, world.mall_id)
    response = browser.login(password="wrong password")
    assert response.status_code == 400
    assert "Wrong operator ID or password." in response.text
    assert browser.get(browser.authorize_url(world.web)).status_code == 302


def test_login_never_redirects_off_site(live_server, world):
    browser = Browser(live_server, world.mall_id)
    login_url = browser.url(f"/malls/{world.mall_id}/admin/login")
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]:
        page = browser.session.get(login_url, params={"next": target})
        answer = browser.session.post(
            login_url,
            data={
                "user_id": "owner",
                "password": "correct horse battery",
                "csrf_token": csrf_token(page.text),
                "next": target,
            },
            allow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["Location"].startswith(f"/malls/{world.mall_id}/admin/")


def test_consent_page_names_the_app_and_every_permission(browser, world):
    page = browser.open_consent(browser.authorize_url(world.web))
    assert page.status_code == 200
    assert "Web App" in page.text
    for label in ["Products", "Orders", "Store"]:
        assert label in page.text
    assert 'name="decision" value="approve"' in page.text
    assert 'name="decision" value="deny"' in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]


def test_approve_issues_a_code_and_records_the_installation(app, browser, world, live_server):
    query = browser.authorize(world.web)
    assert query["state"] == "xyz"
    assert query["iss"] == f"{live_server}/malls/{world.mall_id}"
    installation = _installation(app, world.web.client_id)
    assert installation.scopes == world.web.scopes
    assert installation.operator_user_id == "owner"


def test_deny_redirects_with_access_denied_and_installs_nothing(app, browser, world, live_server):
    response = browser.decide(browser.authorize_url(world.web), decision="deny")
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query == {
        "error": "access_denied",
        "state": "xyz",
        "iss": f"{live_server}/malls/{world.mall_id}",
    } | ({"error_description": query["error_description"]} if "error_description" in query else {})
    assert _installation(app, world.web.client_id) is None
    assert _code_count(app) == 0


def test_remembered_consent_skips_the_page(browser, world):
    browser.authorize(world.web, scope="mall.read_product")
    again = browser.get(browser.authorize_url(world.web, scope="mall.read_product"))
    assert again.status_code == 302
    assert query_of(again.headers["Location"])["code"]


def test_incremental_consent_shows_only_new_scopes(app, browser, world):
    browser.authorize(world.web, scope="mall.read_product")
    page = browser.open_consent(
        browser.authorize_url(world.web, scope="mall.read_product,mall.read_order")
    )
    assert page.status_code == 200
    new_section = page.text.split("New permissions requested", 1)[1].split("Already granted", 1)[0]
    assert "Orders" in new_section
    assert "Products" not in new_section
    browser.session.post(
        browser.authorize_url(world.web, scope="mall.read_product,mall.read_order"),
        data={"decision": "approve", "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    assert _installation(app, world.web.client_id).scopes == [
        "mall.read_product",
        "mall.read_order",
    ]


def test_the_code_carries_exactly_the_requested_scopes(browser, world, live_server):
    browser.authorize(world.web)  # installs every scope
    query = browser.authorize(world.web, scope="mall.read_order")
    token = exchange(live_server, world.mall_id, world.web, query["code"]).json()
    assert token["scopes"] == ["mall.read_order"]


def test_consent_without_csrf_token_issues_no_code(app, browser, world):
    url = browser.authorize_url(world.web)
    assert browser.open_consent(url).status_code == 200
    response = browser.session.post(url, data={"decision": "approve"}, allow_redirects=False)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert _code_count(app) == 0


def test_consent_with_another_sessions_csrf_token_issues_no_code(app, live_server, world):
    mine, theirs = Browser(live_server, world.mall_id), Browser(live_server, world.mall_id)
    mine.login(), theirs.login()
    url = mine.authorize_url(world.web)
    mine.open_consent(url)
    foreign = csrf_token(theirs.open_consent(url).text)
    response = mine.session.post(
        url, data={"decision": "approve", "csrf_token": foreign}, allow_redirects=False
    )
    assert response.status_code == 400
    assert _code_count(app) == 0


def test_tampered_request_on_submit_is_not_honoured(app, browser, world):
    url = browser.authorize_url(world.web, scope="mall.read_product")
    page = browser.open_consent(url)
    tampered = browser.authorize_url(world.web, scope="mall.read_product,mall.write_product")
    response = browser.session.post(
        tampered,
        data={"decision": "approve", "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert _code_count(app) == 0


def test_submit_without_a_session_goes_to_login(live_server, world):
    anonymous = requests.post(
        Browser(live_server, world.mall_id).authorize_url(world.web),
        data={"decision": "approve"},
        allow_redirects=False,
    )
    assert anonymous.status_code in (302, 303, 400)
    assert "code=" not in anonymous.headers.get("Location", "")


def test_bad_decision_value_issues_no_code(app, browser, world):
    url = browser.authorize_url(world.web)
    page = browser.open_consent(url)
    for decision in [None, "maybe", ["approve", "deny"]]:
        data = {"csrf_token": csrf_token(page.text)}
        if decision is not None:
            data["decision"] = decision
        response = browser.session.post(url, data=data, allow_redirects=False)
        assert response.status_code == 400
    assert _code_count(app) == 0


def test_double_submit_yields_at_most_one_code(app, browser, world):
    """SECURITY.md C4: two concurrent consent POSTs with the same CSRF token."""
    url = browser.authorize_url(world.web)
    token = csrf_token(browser.open_consent(url).text)
    barrier = threading.Barrier(2)
    answers = []

    def submit():
        barrier.wait()
        answers.append(
            browser.session.post(
                url, data={"decision": "approve", "csrf_token": token}, allow_redirects=False
            )
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert all(status < 500 for status in statuses)
    codes = [a for a in answers if "code=" in a.headers.get("Location", "")]
    assert len(codes) == 1
    assert _code_count(app) == 1


def test_post_answers_with_302_or_303_never_307(browser, world):
    response = browser.decide(browser.authorize_url(world.web))
    assert response.status_code in (302, 303)
