"""Issue 16 item 6: a sold app gains no scope anywhere; a for-sale app that asks for more goes
back to review (DESIGN.md "Who may authorize"; README, Developer Center)."""

from __future__ import annotations

import requests

from authserver.app_status import Status
from authserver.extensions import db

from .devcenter import app_row, audit_events, post_form, text
from .helpers import Browser, add_mall, exchange, query_of, refresh
from .test_developer_permissions import boxes, permissions_url

HELD = ["mall.read_product"]


def _set_status(app, client_id: str, status: Status) -> None:
    with app.app_context():
        app_row(client_id).status = status.value
        db.session.commit()


def _installed_on(app, live_server, world, mall_id: str, scope_list: list[str]) -> dict:
    """Install ``world.web`` on a new mall ``mall_id`` with ``scope_list``: its token pair."""
    with app.app_context():
        add_mall(mall_id)
    browser = Browser(live_server, mall_id)
    assert browser.login().status_code == 303
    code = browser.authorize(world.web, scope=",".join(scope_list))["code"]
    tokens = exchange(live_server, mall_id, world.web, code)
    assert tokens.status_code == 200, tokens.text
    return {"browser": browser, **tokens.json()}


def test_sold_app_reconsents_only_to_the_scopes_it_holds(app, live_server, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    installed = _installed_on(app, live_server, world, "realmall", HELD)["browser"]
    _set_status(app, world.web.client_id, Status.SOLD)
    assert "mall.read_order" in world.web.scopes  # registered, but never granted on realmall

    response = installed.get(installed.authorize_url(world.web, scope="mall.read_order"))
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith(world.web.redirect_uri + "?")
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"

    # What it holds: the consent page is skipped, a code comes straight back.
    held = installed.get(installed.authorize_url(world.web, scope=",".join(HELD)))
    assert held.status_code in (302, 303)
    assert query_of(held.headers["Location"])["code"]


def test_widening_a_sold_app_is_refused_and_saves_nothing(app, developer_client, world):
    _set_status(app, world.web.client_id, Status.SOLD)
    wider = {
        **boxes(*world.web.scopes, "mall.read_customer"),
        "operator_permission_url": "https://app.example/perm",
    }
    response = post_form(developer_client, permissions_url(world.web.client_id), wider)
    assert response.status_code == 400
    assert "This app is sold: you can remove permissions but not add them" in text(response)
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.scopes == world.web.scopes and row.status == Status.SOLD
        assert row.operator_permission_url is None
        assert audit_events("app_permissions_changed") == []

    narrower = boxes(*world.web.scopes[1:])
    response = post_form(developer_client, permissions_url(world.web.client_id), narrower)
    assert response.status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id).scopes == world.web.scopes[1:]


def test_widening_a_for_sale_app_sends_it_back_to_review(app, live_server, developer_client, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    installed = _installed_on(app, live_server, world, "realmall", world.web.scopes)
    wider = boxes(*world.web.scopes, "mall.read_customer")
    response = post_form(developer_client, permissions_url(world.web.client_id), wider)
    assert response.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.status == Status.UNDER_REVIEW and "mall.read_customer" in row.scopes
        moved = audit_events("app_status_changed")
        assert [(e.detail["previous"], e.detail["status"]) for e in moved] == [
            ("for_sale", "under_review")
        ]
    assert "back under review" in text(developer_client.get(response.headers["Location"]))

    with app.app_context():
        add_mall("newmall")
    fresh = Browser(live_server, "newmall")
    fresh.login()
    refused = fresh.get(fresh.authorize_url(world.web))
    assert query_of(refused.headers["Location"])["error"] == "unauthorized_client"

    # The existing installation keeps working with its token, and gains nothing.
    products = requests.get(
        f"{live_server}/malls/realmall/api/v2/admin/products",
        headers={"Authorization": f"Bearer {installed['access_token']}"},
        timeout=30,
    )
    assert products.status_code == 200, products.text
    renewed = refresh(live_server, "realmall", world.web, installed["refresh_token"])
    assert renewed.status_code == 200 and "mall.read_customer" not in renewed.json()["scopes"]
    browser = installed["browser"]
    again = browser.get(browser.authorize_url(world.web, scope="mall.read_customer"))
    assert "code" not in query_of(again.headers["Location"])


def test_narrowing_a_for_sale_app_needs_no_review(app, developer_client, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    narrower = boxes(*world.web.scopes[1:])
    response = post_form(developer_client, permissions_url(world.web.client_id), narrower)
    assert response.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.status == Status.FOR_SALE and row.scopes == world.web.scopes[1:]


def test_the_page_says_before_saving_what_adding_a_permission_does(app, developer_client, world):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    page = text(developer_client.get(permissions_url(world.web.client_id)))
    assert "Adding a permission sends it back to review" in page
    _set_status(app, world.web.client_id, Status.SOLD)
    page = text(developer_client.get(permissions_url(world.web.client_id)))
    assert "You can remove permissions but not add them" in page
