"""Test malls: created from the Developer Center; apps not for sale are authorized only there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import Mall, Operator

from .devcenter import audit_events, count, post_form, text
from .helpers import PASSWORD, Browser, add_mall, query_of

URL = "/developers/test-malls"


def form(**overrides) -> dict:
    return {
        "mall_id": "devshop",
        "operator": "tester",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **overrides,
    }


def test_create_and_list_a_test_mall(app, live_server, developer_client, world):
    page = text(developer_client.get(URL))
    assert "testmall" in page  # the world's test mall is listed
    response = post_form(developer_client, URL, form())
    assert response.status_code == 303
    page = text(developer_client.get(URL))
    assert "Test mall devshop is ready." in page
    assert "devshop" in page and "tester" in page
    with app.app_context():
        mall = db.session.scalar(select(Mall).where(Mall.mall_id == "devshop"))
        assert mall.test_mall_of.email == world.developer
        assert audit_events("test_mall_created")[0].mall_id == "devshop"
    # the new operator can log in to the mall admin
    assert Browser(live_server, "devshop").login("tester", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mall_id": "Bad Mall"}, "mall_id", "lowercase letters, digits or hyphens"),
        ({"mall_id": "ab"}, "mall_id", "3 to 32"),
        ({"mall_id": "testmall"}, "mall_id", "This mall ID is taken."),
        ({"mall_id": ""}, "mall_id", "Enter a mall ID."),
        ({"operator": ""}, "operator", "Enter the operator"),
        ({"operator": "two words"}, "operator", "Use no spaces."),
        ({"password": "short", "confirm": "short"}, "password", "Use 8 to 200 characters."),
        ({"confirm": "different!"}, "confirm", "The two passwords differ."),
    ],
)
def test_refusals_create_nothing(app, developer_client, world, overrides, field, message):
    response = post_form(developer_client, URL, form(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert f'id="{field}-error"' in page
    assert message in page
    with app.app_context():
        assert count(Mall) == 1
        assert count(Operator) == 1


def test_create_without_csrf_token_is_refused(app, developer_client, world):
    assert developer_client.post(URL, data=form()).status_code == 400
    with app.app_context():
        assert count(Mall) == 1


def test_other_developers_test_malls_are_not_listed(app, client, world):
    from .devcenter import add_developer, log_in

    with app.app_context():
        add_developer("other@example.com")
    log_in(client, "other@example.com")
    page = text(client.get(URL))
    assert "testmall" not in page
    assert "You have no test mall yet." in page


def test_app_not_for_sale_is_authorized_only_on_the_developers_test_malls(
    app, live_server, developer_client, world
):
    with app.app_context():
        add_mall("strangers")  # someone else's mall
    refused = Browser(live_server, "strangers")
    refused.login()
    response = refused.open_consent(refused.authorize_url(world.web))
    assert response.status_code in (302, 303)
    answer = query_of(response.headers["Location"])
    assert answer["error"] == "unauthorized_client"
    assert answer["state"] == "xyz"

    assert post_form(developer_client, URL, form()).status_code == 303
    allowed = Browser(live_server, "devshop")
    allowed.login("tester", PASSWORD)
    consent = allowed.open_consent(allowed.authorize_url(world.web))
    assert consent.status_code == 200
    assert "Web App" in consent.text
    assert "code" in allowed.authorize(world.web)
