"""Status and review from the developer's side: submit, resubmit, delete (revokes everything)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from authserver.app_status import Status
from authserver.extensions import db
from authserver.models import App, AuthorizationCode, Installation, Token

from .devcenter import app_row, audit_events, count, post_form, text
from .helpers import Browser, exchange, refresh


def status_url(client_id: str) -> str:
    return f"/developers/apps/{client_id}/status"


def set_status(client_id: str, status: Status, reason: str | None = None) -> None:
    row = app_row(client_id)
    row.status, row.rejection_reason = status, reason
    db.session.commit()


def submit(client, client_id: str):
    return post_form(
        client, status_url(client_id), {}, action=f"/developers/apps/{client_id}/submit"
    )


def test_submit_for_review(app, developer_client, world):
    page = text(developer_client.get(status_url(world.web.client_id)))
    assert "Submit for review" in page
    response = submit(developer_client, world.web.client_id)
    assert response.status_code == 303
    assert "Submitted for review." in text(developer_client.get(response.headers["Location"]))
    with app.app_context():
        assert app_row(world.web.client_id).status == Status.UNDER_REVIEW
        event = audit_events("app_status_changed")[0]
        assert event.actor == f"developer:{world.developer}"
        assert event.detail == {"previous": "in_production", "status": "under_review"}


def test_resubmit_a_rejected_app_shows_and_clears_the_reason(app, developer_client, world):
    with app.app_context():
        set_status(world.web.client_id, Status.REVIEW_REJECTED, "Needs a privacy policy.")
    page = text(developer_client.get(status_url(world.web.client_id)))
    assert "Needs a privacy policy." in page
    assert "Resubmit for review" in page
    assert submit(developer_client, world.web.client_id).status_code == 303
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.status == Status.UNDER_REVIEW
        assert row.rejection_reason is None


@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.FOR_SALE, Status.SOLD])
def test_submit_refused_outside_the_status_table(app, developer_client, world, status):
    with app.app_context():
        set_status(world.web.client_id, status)
    response = submit(developer_client, world.web.client_id)
    assert response.status_code == 409
    assert "cannot be moved to under review" in text(response)
    with app.app_context():
        assert app_row(world.web.client_id).status == status
        assert audit_events("app_status_changed") == []


def test_submit_refused_for_an_incomplete_app(app, developer_client, world):
    with app.app_context():
        row = app_row(world.web.client_id)
        row.redirect_uris, row.scope = [], ""
        db.session.commit()
    response = submit(developer_client, world.web.client_id)
    assert response.status_code == 409
    page = text(response)
    assert "Register at least one Redirect URI" in page
    assert "Choose at least one permission" in page
    with app.app_context():
        assert app_row(world.web.client_id).status == Status.IN_PRODUCTION


def test_submit_without_csrf_token_is_refused(app, developer_client, world):
    response = developer_client.post(f"/developers/apps/{world.web.client_id}/submit")
    assert response.status_code == 400
    with app.app_context():
        assert app_row(world.web.client_id).status == Status.IN_PRODUCTION


def test_delete_needs_confirmation(app, developer_client, world):
    url = f"/developers/apps/{world.web.client_id}/delete"
    assert "This cannot be undone." in text(developer_client.get(url))
    response = post_form(developer_client, url, {})
    assert response.status_code == 400
    assert "Tick the box to confirm." in text(response)
    with app.app_context():
        assert app_row(world.web.client_id) is not None


@pytest.mark.parametrize(
    "status", [Status.IN_PRODUCTION, Status.UNDER_REVIEW, Status.REVIEW_REJECTED, Status.SOLD]
)
def test_developer_deletes_in_any_status_but_for_sale(app, developer_client, world, status):
    with app.app_context():
        set_status(world.web.client_id, status, "r" if status == Status.REVIEW_REJECTED else None)
    url = f"/developers/apps/{world.web.client_id}/delete"
    response = post_form(developer_client, url, {"confirm": "y"})
    assert response.status_code == 303
    with app.app_context():
        assert app_row(world.web.client_id) is None
        assert audit_events("app_deleted")[0].detail == {"status": status.value}


def test_developer_cannot_delete_a_for_sale_app(app, developer_client, world):
    with app.app_context():
        set_status(world.web.client_id, Status.FOR_SALE)
    url = f"/developers/apps/{world.web.client_id}/delete"
    assert "can be deleted only by the platform" in text(developer_client.get(url))
    response = post_form(developer_client, url, {"confirm": "y"})
    assert response.status_code == 403
    assert "can be deleted only by the platform" in text(response)
    with app.app_context():
        assert app_row(world.web.client_id) is not None
        assert audit_events("app_deleted") == []


def test_deleting_revokes_installations_and_tokens(app, live_server, developer_client, world):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    tokens = exchange(
        live_server, world.mall_id, world.web, browser.authorize(world.web)["code"]
    ).json()
    other = exchange(
        live_server, world.mall_id, world.other_web, browser.authorize(world.other_web)["code"]
    ).json()

    url = f"/developers/apps/{world.web.client_id}/delete"
    assert post_form(developer_client, url, {"confirm": "y"}).status_code == 303

    with app.app_context():
        assert count(Installation) == 1  # the other app's
        assert count(Token) == 1
        assert count(AuthorizationCode) == 1
    gone = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    # The App Key no longer exists, so the client cannot even authenticate.
    assert gone.status_code == 401
    assert gone.json()["error"] == "invalid_client"
    kept = refresh(live_server, world.mall_id, world.other_web, other["refresh_token"])
    assert kept.status_code == 200


def test_database_cascades_on_this_engine(app, live_server, world):
    """The foreign keys themselves cascade (SQLite with foreign_keys=ON, PostgreSQL)."""
    browser = Browser(live_server, world.mall_id)
    browser.login()
    exchange(live_server, world.mall_id, world.web, browser.authorize(world.web)["code"])
    with app.app_context():
        assert count(Token) == 1
        db.session.execute(delete(App).where(App.client_id == world.web.client_id))
        db.session.commit()
        assert count(Token) == 0
        assert count(Installation) == 0
        assert db.session.scalar(select(AuthorizationCode)) is None
