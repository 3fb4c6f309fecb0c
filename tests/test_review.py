"""The review console: reviewer login, the queue, approve / reject / sold / delete, guards."""

from __future__ import annotations

import pytest

from authserver.app_status import Status
from authserver.extensions import db

from .devcenter import REVIEWER, add_reviewer, app_row, audit_events, post_form, text
from .helpers import PASSWORD, Browser, exchange, refresh


def set_status(client_id: str, status: Status) -> None:
    row = app_row(client_id)
    row.status = status
    db.session.commit()


def act(client, client_id: str, action: str, data: dict | None = None):
    return post_form(
        client, f"/review/apps/{client_id}", data or {}, action=f"/review/apps/{client_id}/{action}"
    )


@pytest.fixture
def submitted(app, world):
    with app.app_context():
        set_status(world.web.client_id, Status.UNDER_REVIEW)
    return world.web.client_id


def test_reviewer_login_and_wrong_password(app, client):
    with app.app_context():
        add_reviewer()
    bad = post_form(client, "/review/login", {"email": REVIEWER, "password": "nope nope"})
    assert bad.status_code == 400
    assert "Wrong email or password." in text(bad)
    good = post_form(client, "/review/login", {"email": REVIEWER, "password": PASSWORD})
    assert good.status_code == 303
    assert good.headers["Location"] == "/review/"


def test_developer_accounts_cannot_log_in_to_the_review_console(client, world):
    response = post_form(client, "/review/login", {"email": world.developer, "password": PASSWORD})
    assert response.status_code == 400


def test_queue_lists_apps_under_review_and_for_sale(app, reviewer_client, world, submitted):
    with app.app_context():
        set_status(world.native.client_id, Status.FOR_SALE)
    page = text(reviewer_client.get("/review/"))
    queue, for_sale = page.split("For sale <span")
    assert "Web App" in queue and "Native App" not in queue and "Other App" not in queue
    assert "Native App" in for_sale
    assert world.developer in page


def test_approve(app, reviewer_client, world, submitted):
    response = act(reviewer_client, submitted, "approve")
    assert response.status_code == 303
    with app.app_context():
        assert app_row(submitted).status == Status.FOR_SALE
        event = audit_events("app_status_changed")[0]
        assert event.actor == f"reviewer:{REVIEWER}"
        assert event.detail == {"previous": "under_review", "status": "for_sale"}


def test_reject_needs_a_reason_and_shows_it_to_the_developer(
    app, reviewer_client, developer_client, world, submitted
):
    refused = act(reviewer_client, submitted, "reject", {"reason": "   "})
    assert refused.status_code == 400
    assert "Give the reason for the rejection" in text(refused)
    assert 'id="reason-error"' in text(refused)
    with app.app_context():
        assert app_row(submitted).status == Status.UNDER_REVIEW

    assert act(reviewer_client, submitted, "reject", {"reason": "Logo unclear."}).status_code == 303
    with app.app_context():
        row = app_row(submitted)
        assert row.status == Status.REVIEW_REJECTED
        assert row.rejection_reason == "Logo unclear."
    assert "Logo unclear." in text(developer_client.get("/developers/apps"))
    assert "Logo unclear." in text(developer_client.get(f"/developers/apps/{submitted}/status"))


def test_mark_sold(app, reviewer_client, world):
    with app.app_context():
        set_status(world.web.client_id, Status.FOR_SALE)
    assert act(reviewer_client, world.web.client_id, "sold").status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id).status == Status.SOLD


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.IN_PRODUCTION, "approve"),
        (Status.FOR_SALE, "approve"),
        (Status.IN_PRODUCTION, "sold"),
        (Status.UNDER_REVIEW, "sold"),
        (Status.SOLD, "reject"),
    ],
)
def test_moves_outside_the_status_table_are_refused(app, reviewer_client, world, status, action):
    with app.app_context():
        set_status(world.web.client_id, status)
    response = act(reviewer_client, world.web.client_id, action, {"reason": "because"})
    assert response.status_code == 409
    assert "cannot be moved" in text(response)
    with app.app_context():
        assert app_row(world.web.client_id).status == status
        assert audit_events("app_status_changed") == []


def test_reviewer_deletes_a_for_sale_app_and_its_tokens(app, live_server, reviewer_client, world):
    with app.app_context():
        set_status(world.web.client_id, Status.FOR_SALE)
    browser = Browser(live_server, world.mall_id)
    browser.login()
    tokens = exchange(
        live_server, world.mall_id, world.web, browser.authorize(world.web)["code"]
    ).json()
    url = f"/review/apps/{world.web.client_id}/delete"
    assert "This cannot be undone." in text(reviewer_client.get(url))
    assert post_form(reviewer_client, url, {}).status_code == 400  # not confirmed
    assert post_form(reviewer_client, url, {"confirm": "y"}).status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id) is None
    assert (
        refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]).status_code == 401
    )


def test_reviewer_may_not_delete_apps_that_are_not_for_sale(app, reviewer_client, world):
    url = f"/review/apps/{world.web.client_id}/delete"
    response = post_form(reviewer_client, url, {"confirm": "y"})
    assert response.status_code == 403
    assert "Reviewers delete only apps that are for sale" in text(response)
    with app.app_context():
        assert app_row(world.web.client_id) is not None


@pytest.mark.parametrize("path", ["/review/", "/review/apps/{cid}", "/review/apps/{cid}/delete"])
def test_developers_are_refused_review_pages(developer_client, world, path):
    response = developer_client.get(path.format(cid=world.web.client_id))
    assert response.status_code == 403
    assert "for reviewers" in text(response)


@pytest.mark.parametrize("action", ["approve", "reject", "sold", "delete"])
def test_developers_are_refused_reviewer_actions(app, developer_client, world, submitted, action):
    from .helpers import csrf_token

    token = csrf_token(text(developer_client.get("/developers/apps")))
    response = developer_client.post(
        f"/review/apps/{submitted}/{action}",
        data={"csrf_token": token, "reason": "x", "confirm": "y"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert app_row(submitted).status == Status.UNDER_REVIEW


def test_anonymous_visitors_are_sent_to_the_review_login(client, world):
    response = client.get("/review/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/review/login")


def test_review_actions_need_a_csrf_token(app, reviewer_client, world, submitted):
    assert reviewer_client.post(f"/review/apps/{submitted}/approve").status_code == 400
    with app.app_context():
        assert app_row(submitted).status == Status.UNDER_REVIEW


def test_reviewer_login_redirects_to_same_origin_next_only(app, client):
    with app.app_context():
        add_reviewer()
    from .helpers import csrf_token

    token = csrf_token(text(client.get("/review/login?next=https://evil.example/")))
    response = client.post(
        "/review/login",
        data={"email": REVIEWER, "password": PASSWORD, "next": "https://evil.example/",
              "csrf_token": token},
    )  # fmt: skip
    assert response.headers["Location"] == "/review/"
