"""Reissuing the App Secret of an approved app sends it back to review (issue 18, item 8).

Cafe24's "App Creation and Basic Settings" guide: "when the App Secret Key is reissued, you need
to be approved to properly use the app again". The Developer Center says so before the
developer confirms; an app for sale or sold goes back to review; until a reviewer approves it,
no new mall installs it, while malls that installed it keep working with the new secret; the
approval returns it to for sale, or to sold (docs/developer-center.md).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from authserver.app_status import AWAITING_REREVIEW, Status
from authserver.extensions import db

from .devcenter import app_row, audit_events, post_form, text
from .helpers import Browser, add_mall, exchange, query_of, refresh
from .test_developer_permissions import boxes

HELD = ["mall.read_product", "mall.read_order"]


def reissue_url(client_id: str) -> str:
    return f"/developers/apps/{client_id}/credentials/reissue"


def _set_status(app, client_id: str, status: Status) -> None:
    with app.app_context():
        app_row(client_id).status = status.value
        db.session.commit()


def _install(app, live_server, client, mall_id: str) -> dict:
    """``client`` installed on a new mall ``mall_id`` (scopes ``HELD``): browser and tokens."""
    with app.app_context():
        add_mall(mall_id)
    browser = Browser(live_server, mall_id)
    assert browser.login().status_code == 303
    code = browser.authorize(client, scope=",".join(HELD))["code"]
    tokens = exchange(live_server, mall_id, client, code)
    assert tokens.status_code == 200, tokens.text
    return {"browser": browser, **tokens.json()}


def _reissue(app, developer_client, client) -> tuple[str, str]:
    """Confirm the reissue in the Developer Center (CSRF form): the new secret and the page."""
    response = post_form(developer_client, reissue_url(client.client_id), {"confirm": "y"})
    assert response.status_code == 303, text(response)[:500]
    page = text(developer_client.get(response.headers["Location"]))
    with app.app_context():
        return app_row(client.client_id).client_secret, page


def _new_mall_is_refused(app, live_server, client, mall_id: str) -> None:
    with app.app_context():
        add_mall(mall_id)
    fresh = Browser(live_server, mall_id)
    fresh.login()
    refused = fresh.get(fresh.authorize_url(client))
    assert refused.status_code in (302, 303), refused.text[:300]
    error = query_of(refused.headers["Location"])
    assert error["error"] == "unauthorized_client"
    assert error["error_description"] == AWAITING_REREVIEW
    assert "code" not in error


def _existing_install_keeps_working(live_server, client, installed: dict, mall_id: str) -> None:
    """The new secret refreshes, the operator re-consents to what the mall holds and the code
    is exchanged; the Admin API answers; nothing new is granted."""
    renewed = refresh(live_server, mall_id, client, installed["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    browser = installed["browser"]
    code = browser.authorize(client, scope=",".join(HELD))["code"]
    tokens = exchange(live_server, mall_id, client, code)
    assert tokens.status_code == 200, tokens.text
    products = requests.get(
        f"{live_server}/malls/{mall_id}/api/v2/admin/products",
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        timeout=30,
    )
    assert products.status_code == 200, products.text
    wider = browser.get(browser.authorize_url(client, scope="mall.write_product"))
    assert query_of(wider.headers["Location"])["error"] == "invalid_scope"


@pytest.mark.parametrize("listed", [Status.FOR_SALE, Status.SOLD])
def test_reissue_sends_a_listed_app_back_to_review(
    app, live_server, developer_client, reviewer_client, world, listed
):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    installed = _install(app, live_server, world.web, "realmall")
    _set_status(app, world.web.client_id, listed)

    # Said before the developer confirms: on the credentials page and the confirmation.
    credentials = text(developer_client.get(f"/developers/apps/{world.web.client_id}/credentials"))
    assert "Reissuing its secret sends it back to review" in credentials
    confirm = text(developer_client.get(reissue_url(world.web.client_id)))
    assert "reissuing the secret sends it back to review" in confirm
    assert "no new mall can install it" in confirm

    new_secret, page = _reissue(app, developer_client, world.web)
    assert "The app is back under review" in page
    with app.app_context():
        row = app_row(world.web.client_id)
        assert (row.status, row.review_return_status) == (Status.UNDER_REVIEW, listed)
        moved = audit_events("app_status_changed")
        assert [e.detail for e in moved][-1] == {
            "previous": listed.value,
            "status": "under_review",
            "reason": "App Secret reissued",
        }
        assert [e.client_id for e in audit_events("secret_reissued")] == [world.web.client_id]

    renewed = replace(world.web, client_secret=new_secret)
    old = refresh(live_server, "realmall", world.web, installed["refresh_token"])
    assert old.status_code == 401  # the old secret stopped working at once
    _new_mall_is_refused(app, live_server, renewed, "newmall")
    _existing_install_keeps_working(live_server, renewed, installed, "realmall")

    # The reviewer approves: back to what it was; for sale again installs anywhere.
    approved = post_form(
        reviewer_client,
        f"/review/apps/{world.web.client_id}",
        {},
        action=f"/review/apps/{world.web.client_id}/approve",
    )
    assert approved.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert (row.status, row.review_return_status) == (listed, None)
    fresh = Browser(live_server, "newmall")
    fresh.login()
    after = fresh.get(fresh.authorize_url(renewed))
    if listed == Status.FOR_SALE:
        assert after.status_code == 200  # the consent page
    else:  # a sold app installs nowhere new, as before the reissue
        assert query_of(after.headers["Location"])["error"] == "unauthorized_client"


def test_a_sold_app_back_in_review_still_cannot_widen(app, live_server, developer_client, world):
    _set_status(app, world.web.client_id, Status.SOLD)
    _reissue(app, developer_client, world.web)
    page = f"/developers/apps/{world.web.client_id}/permissions"
    wider = boxes(*world.web.scopes, "mall.read_customer")
    response = post_form(developer_client, page, wider)
    assert response.status_code != 303
    assert "This app is sold" in text(response)
    with app.app_context():
        assert "mall.read_customer" not in app_row(world.web.client_id).scopes


def test_reissue_of_an_app_not_yet_approved_needs_no_review(
    app, live_server, developer_client, world
):
    confirm = text(developer_client.get(reissue_url(world.web.client_id)))
    assert "sends it back to review" not in confirm
    new_secret, page = _reissue(app, developer_client, world.web)
    assert "back under review" not in page
    with app.app_context():
        row = app_row(world.web.client_id)
        assert (row.status, row.review_return_status) == (Status.IN_PRODUCTION, None)
        assert audit_events("app_status_changed") == []
    # Still installable on the developer's test mall, with the new secret.
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    renewed = replace(world.web, client_secret=new_secret)
    assert exchange(live_server, world.mall_id, renewed, code).status_code == 200


def test_the_developers_test_mall_tries_any_permission_during_the_re_review(
    app, live_server, developer_client, world
):
    _set_status(app, world.web.client_id, Status.FOR_SALE)
    new_secret, _ = _reissue(app, developer_client, world.web)
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]  # every permission of the app
    renewed = replace(world.web, client_secret=new_secret)
    assert exchange(live_server, world.mall_id, renewed, code).status_code == 200
