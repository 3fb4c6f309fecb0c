"""Ownership: another developer's app does not exist for you (404), whatever the action."""

from __future__ import annotations

import pytest

from authserver.app_status import Status

from .devcenter import add_developer, app_row, log_in, text
from .helpers import csrf_token

PAGES = ["", "/basic", "/permissions", "/credentials", "/credentials/reissue", "/status",
         "/delete", "/created"]  # fmt: skip
POSTS = {
    "/basic": {"name": "Stolen", "app_url": "https://evil.example/", "redirect_uris": ""},
    "/permissions": {"read_customer": "y"},
    "/credentials/reissue": {"confirm": "y"},
    "/submit": {},
    "/delete": {"confirm": "y"},
}


@pytest.fixture
def intruder(app, client, world):
    with app.app_context():
        add_developer("intruder@example.com")
    log_in(client, "intruder@example.com")
    return client


@pytest.mark.parametrize("suffix", PAGES)
def test_other_developers_get_404_on_every_page(intruder, world, suffix):
    response = intruder.get(f"/developers/apps/{world.web.client_id}{suffix}")
    assert response.status_code == 404
    assert world.web.client_secret not in text(response)


@pytest.mark.parametrize(("suffix", "data"), POSTS.items())
def test_other_developers_get_404_on_every_change(app, intruder, world, suffix, data):
    token = csrf_token(text(intruder.get("/developers/apps")))
    response = intruder.post(
        f"/developers/apps/{world.web.client_id}{suffix}", data={**data, "csrf_token": token}
    )
    assert response.status_code == 404
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row is not None
        assert row.name == "Web App"
        assert row.scopes == world.web.scopes
        assert row.client_secret == world.web.client_secret
        assert row.status == Status.IN_PRODUCTION


def test_reviewers_are_refused_developer_pages(reviewer_client, world):
    response = reviewer_client.get("/developers/apps")
    assert response.status_code == 403
    assert "for developers" in text(response)
