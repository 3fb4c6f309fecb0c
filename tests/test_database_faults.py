"""Database faults (SECURITY.md F1 and F3): an unreachable database is a 503, never an OAuth
credential error or a 200; a failure between the writes of an exchange or a rotation leaves
the code or the old refresh token usable (one transaction)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from authserver.extensions import db
from authserver.models import Token

from .helpers import Browser, exchange, refresh, token_url


@contextmanager
def failing_statements(app, matches=lambda statement: True):
    """Make every SQL statement that ``matches`` fail as if the server had gone away."""

    def fail(conn, cursor, statement, parameters, context, executemany):
        if matches(statement):
            raise OperationalError(statement, parameters, Exception("connection refused"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _assert_temporarily_unavailable(response):
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Retry-After"]


def test_token_endpoint_answers_503_when_the_database_is_down(app, live_server, world, browser):
    code = browser.authorize(world.web)["code"]
    with failing_statements(app):
        _assert_temporarily_unavailable(exchange(live_server, world.mall_id, world.web, code))
        wrong = requests.post(
            token_url(live_server, world.mall_id),
            data={"grant_type": "authorization_code", "code": code},
            auth=(world.web.client_id, "wrong"),
        )
        _assert_temporarily_unavailable(wrong)
    # Recovery without a restart: the same code still works once the database answers.
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_pages_show_an_error_page_when_the_database_is_down(app, live_server, world, browser):
    with failing_statements(app):
        response = browser.get(browser.authorize_url(world.web))
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in response.text
    assert "Location" not in response.headers


def test_failed_token_insert_leaves_the_code_unused(app, live_server, world, browser):
    code = browser.authorize(world.web)["code"]
    with failing_statements(app, lambda sql: sql.lstrip().upper().startswith("INSERT INTO TOKENS")):
        _assert_temporarily_unavailable(exchange(live_server, world.mall_id, world.web, code))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Token)) == 0
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_failed_rotation_leaves_the_old_refresh_token_usable(app, live_server, world, browser):
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()
    with failing_statements(app, lambda sql: sql.lstrip().upper().startswith("INSERT INTO TOKENS")):
        failed = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
        _assert_temporarily_unavailable(failed)
    with app.app_context():
        rows = db.session.scalars(db.select(Token)).all()
        assert len(rows) == 1 and rows[0].rotated_at is None
    assert (
        refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]).status_code == 200
    )
