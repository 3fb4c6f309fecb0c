"""Flask's own request limits, read from the app's configuration, and where answers vary."""

from __future__ import annotations

import flask
import pytest
import requests
from werkzeug.exceptions import RequestEntityTooLarge

from .helpers import Browser

FORM = "application/x-www-form-urlencoded"


def test_a_form_over_max_content_length_is_still_413(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b"a=" + b"x" * limit
    with app.test_request_context("/", method="POST", data=body, content_type=FORM):
        assert flask.request.max_content_length == limit
        with pytest.raises(RequestEntityTooLarge):
            flask.request.form  # noqa: B018 - the access is the test


def test_the_limits_are_the_configuration_of_each_app(app):
    with app.test_request_context("/"):
        assert flask.request.max_content_length == app.config["MAX_CONTENT_LENGTH"]
        assert flask.request.max_form_parts == app.config["MAX_FORM_PARTS"]
        assert flask.request.max_form_memory_size == app.config["MAX_FORM_MEMORY_SIZE"]


def test_a_token_request_with_a_large_form_gets_413_over_http(live_server, world):
    response = requests.post(
        f"{live_server}/malls/{world.mall_id}/api/v2/oauth/token",
        data=b"grant_type=authorization_code&code=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": FORM},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_pages_read_with_a_session_vary_on_cookie(live_server, world):
    """A page that depends on the session says so to caches (``Vary: Cookie``). API answers
    may say so too: Flask-Login's after-request hook reads the session on every request
    (a plain ``LoginManager``, issue 17), which only narrows what a cache may share."""
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    page = browser.get(browser.url(f"/malls/{world.mall_id}/admin/apps"))
    assert page.status_code == 200
    assert "Cookie" in page.headers.get("Vary", "")
