"""Permission information: Read/Write per category, the operator-permission URL, narrowing."""

from __future__ import annotations

import re

from sqlalchemy import select

from authserver import scopes
from authserver.extensions import db
from authserver.models import Installation

from .devcenter import app_row, audit_events, post_form, text
from .helpers import Browser, exchange, refresh


def permissions_url(client_id: str) -> str:
    return f"/developers/apps/{client_id}/permissions"


def boxes(*scope_names: str) -> dict[str, str]:
    """Form data ticking the boxes of ``scope_names`` (``mall.read_product`` -> read_product)."""
    return {name.removeprefix("mall."): "y" for name in scope_names}


def test_page_lists_the_14_categories_with_read_and_write(developer_client, world):
    page = text(developer_client.get(permissions_url(world.web.client_id)))
    assert len(scopes.CATEGORIES) == 14
    for category in scopes.CATEGORIES:
        assert category.covers in page
        assert f'name="read_{category.name}"' in page
        has_write = f'name="write_{category.name}"' in page
        assert has_write == (category.name != "salesreport")
    assert "Read only" in page
    # the registered permissions are ticked
    assert re.search(r'checked[^>]*name="write_product"|name="write_product"[^>]*checked', page)
    assert "stops working at once for every token already issued" in page
    assert "next token refresh gets narrowed tokens" in page
    # every checkbox has a label bound to it
    for category in scopes.CATEGORIES:
        assert f'id="read_{category.name}"' in page


def test_save_permissions_and_operator_url(app, developer_client, world):
    data = {
        **boxes("mall.read_order", "mall.write_order", "mall.read_salesreport"),
        "operator_permission_url": "https://app.example:8443/permissions",
    }
    response = post_form(developer_client, permissions_url(world.web.client_id), data)
    assert response.status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.scopes == ["mall.read_order", "mall.write_order", "mall.read_salesreport"]
        assert row.operator_permission_url == "https://app.example:8443/permissions"
        event = audit_events("app_permissions_changed")[0]
        assert "mall.write_order" in event.detail["added"]
        assert "mall.write_product" in event.detail["removed"]


def test_salesreport_cannot_be_written(app, developer_client, world):
    data = boxes("mall.read_salesreport") | {"write_salesreport": "y"}
    post_form(developer_client, permissions_url(world.web.client_id), data)
    with app.app_context():
        assert app_row(world.web.client_id).scopes == ["mall.read_salesreport"]


def test_operator_permission_url_must_be_https_and_nothing_is_saved(app, developer_client, world):
    data = {**boxes("mall.read_customer"), "operator_permission_url": "http://app.example/perm"}
    response = post_form(developer_client, permissions_url(world.web.client_id), data)
    assert response.status_code == 400
    page = text(response)
    assert 'id="operator_permission_url-error"' in page
    assert "Only https:// URLs are allowed." in page
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.scopes == world.web.scopes
        assert row.operator_permission_url is None
        assert audit_events("app_permissions_changed") == []


def test_post_without_csrf_token_is_refused(app, developer_client, world):
    response = developer_client.post(
        permissions_url(world.web.client_id), data=boxes("mall.write_customer")
    )
    assert response.status_code == 400
    with app.app_context():
        assert app_row(world.web.client_id).scopes == world.web.scopes


def test_removing_a_permission_narrows_installations_and_the_next_refresh(
    app, live_server, developer_client, world
):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()
    assert "mall.write_product" in tokens["scopes"]

    kept = [s for s in world.web.scopes if s != "mall.write_product"]
    response = post_form(developer_client, permissions_url(world.web.client_id), boxes(*kept))
    assert response.status_code == 303
    assert "1 installation narrowed" in text(developer_client.get(response.headers["Location"]))
    with app.app_context():
        installation = db.session.scalar(select(Installation))
        assert installation.scopes == kept
        assert audit_events("app_permissions_changed")[0].detail["installations_narrowed"] == 1

    refreshed = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["scopes"] == kept
