"""Authentication information: App Type, App Key, App Secret (show, copy), reissue."""

from __future__ import annotations

import re
from dataclasses import replace

from .devcenter import app_row, audit_events, post_form, text
from .helpers import Browser, exchange, refresh


def credentials_url(client_id: str) -> str:
    return f"/developers/apps/{client_id}/credentials"


def test_page_shows_type_key_and_hidden_secret_with_copy_buttons(app, developer_client, world):
    page = text(developer_client.get(credentials_url(world.web.client_id)))
    assert "Web app" in page and "(read only)" in page
    assert world.web.client_id in page
    secret_box = re.search(r'<details class="secret">(.*?)</details>', page, re.S).group(1)
    assert '<span class="when-closed">Show App Secret</span>' in secret_box
    assert world.web.client_secret in secret_box  # inside the closed <details>, shown on demand
    # copy buttons start hidden and the static script reveals them; no inline script (CSP)
    assert page.count('class="copy"') == 2
    assert re.search(r'<button type="button" class="copy" data-copy="app-key" hidden>', page)
    assert '<script src="/static/devcenter.js" defer></script>' in page
    assert "<script>" not in page
    script = developer_client.get("/static/devcenter.js")
    assert script.status_code == 200
    assert b"navigator.clipboard" in script.data
    native = text(developer_client.get(credentials_url(world.native.client_id)))
    assert "Native app" in native and "PKCE" in native


def test_reissue_needs_confirmation_that_says_what_breaks(app, developer_client, world):
    url = credentials_url(world.web.client_id) + "/reissue"
    page = text(developer_client.get(url))
    assert "The old App Secret stops working at once." in page
    assert "service may be interrupted" in page
    response = post_form(developer_client, url, {})
    assert response.status_code == 400
    assert "Tick the box to confirm." in text(response)
    with app.app_context():
        row = app_row(world.web.client_id)
        assert row.client_secret == world.web.client_secret
        assert row.secret_reissued_at is None
        assert audit_events("secret_reissued") == []


def test_reissue_without_csrf_token_is_refused(app, developer_client, world):
    url = credentials_url(world.web.client_id) + "/reissue"
    assert developer_client.post(url, data={"confirm": "y"}).status_code == 400
    with app.app_context():
        assert app_row(world.web.client_id).client_secret == world.web.client_secret


def test_reissue_replaces_the_secret_at_once(app, live_server, developer_client, world):
    browser = Browser(live_server, world.mall_id)
    browser.login()
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()

    url = credentials_url(world.web.client_id) + "/reissue"
    response = post_form(developer_client, url, {"confirm": "y"})
    assert response.status_code == 303
    page = text(developer_client.get(response.headers["Location"]))
    assert "The old one no longer works" in page
    with app.app_context():
        row = app_row(world.web.client_id)
        new_secret = row.client_secret
        assert new_secret != world.web.client_secret
        assert row.secret_reissued_at is not None
        assert [e.client_id for e in audit_events("secret_reissued")] == [world.web.client_id]
        assert new_secret not in str(audit_events("secret_reissued")[0].detail)
    assert new_secret in page

    old = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert old.status_code == 401
    assert old.json()["error"] == "invalid_client"
    renewed = replace(world.web, client_secret=new_secret)
    assert refresh(live_server, world.mall_id, renewed, tokens["refresh_token"]).status_code == 200
