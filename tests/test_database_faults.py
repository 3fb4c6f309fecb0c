"""Database faults (SECURITY.md F1-F3, R9): an unreachable database is a 503 on every surface,
never an OAuth credential error, a 401 or a 200; the process recovers by itself once the
database is back (F2); a failure between the writes of an exchange or a rotation leaves the
code or the old refresh token usable (one transaction, F3)."""

from __future__ import annotations

import base64
import time
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from authserver import create_app, store
from authserver.extensions import db
from authserver.models import Token

from .helpers import PASSWORD, Browser, csrf_token, exchange, refresh, token_url
from .oauth_helpers import introspect, obtain_tokens
from .servers import TcpProxy


@contextmanager
def failing_statements(app, matches=lambda statement: True):
    """Make every SQL statement that ``matches`` fail as if the server had gone away."""

    def fail(conn, cursor, statement, parameters, context, executemany):
        if matches(statement):
            raise OperationalError(statement, parameters, Exception("connection refused"))

    with app.app_context():
        engines = {db.engine, store.read_engine(app)}  # the session's, and the reads' own
    for engine in engines:
        event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        for engine in engines:
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
    # On PostgreSQL the token's INSERT is part of the consume's statement (store/codes.py).
    with failing_statements(app, lambda sql: "INSERT INTO TOKENS" in sql.upper()):
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


def test_introspection_answers_503_never_active(app, live_server, world, browser, gateway):
    """F1: a gateway must fail closed: 503, neither ``active: true`` nor ``active: false``."""
    tokens = exchange(live_server, world.mall_id, world.web, browser.authorize(world.web)["code"])
    token = tokens.json()["access_token"]
    with failing_statements(app):
        for auth in (gateway, (world.web.client_id, world.web.client_secret), ("x", "y")):
            answer = introspect(live_server, world.mall_id, token, auth=auth)
            _assert_temporarily_unavailable(answer)
            assert "active" not in answer.json()
    assert introspect(live_server, world.mall_id, token, auth=gateway).json()["active"] is True


def test_admin_api_answers_503_not_401(app, live_server, world, browser):
    code = browser.authorize(world.web)["code"]
    token = exchange(live_server, world.mall_id, world.web, code).json()["access_token"]
    url = f"{live_server}/malls/{world.mall_id}/api/v2/admin/products"
    headers = {"Authorization": f"Bearer {token}"}
    with failing_statements(app):
        for bearer in (headers, {"Authorization": "Bearer not-a-token"}):
            answer = requests.get(url, headers=bearer)
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == 503
            assert "WWW-Authenticate" not in answer.headers
    assert requests.get(url, headers=headers).status_code == 200


def test_every_kind_of_page_shows_an_error_page(app, live_server, world, browser):
    """F1: operator and Developer Center pages that need the database: a 503 page."""
    developer = requests.Session()
    page = developer.get(f"{live_server}/developers/login")
    developer.post(
        f"{live_server}/developers/login",
        data={"email": world.developer, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    with failing_statements(app):
        answers = [
            browser.get(browser.url(f"/malls/{world.mall_id}/admin/apps")),
            browser.get(browser.url(f"/malls/{world.mall_id}/admin/login")),
            developer.get(f"{live_server}/developers/apps", allow_redirects=False),
        ]
    for answer in answers:
        assert answer.status_code == 503, answer.url
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "Temporarily unavailable" in answer.text and "Traceback" not in answer.text


def test_postgresql_outage_then_recovery_within_10_seconds(app, live_server, world, gateway):
    """F1 and F2 on a real outage: a TCP proxy in front of PostgreSQL drops every connection.
    Token, introspection and the Admin API answer 503 (never invalid_grant, never 401, never
    active:false); once the database is back, the same process serves within 10 s, and the
    refresh token that met the outage still works."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs AUTHSERVER_TEST_DATABASE_URL on PostgreSQL")
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    node = create_app(
        {
            "AUTHSERVER_DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False
            ),
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
        }
    )
    node.extensions["authserver.secrets"] = app.extensions["authserver.secrets"]
    base = f"/malls/{world.mall_id}/api/v2"
    auth = {"Authorization": "Bearer " + tokens["access_token"]}
    client = node.test_client()

    def calls():
        basic = (world.web.client_id, world.web.client_secret)
        return (
            client.post(
                f"{base}/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                headers=_basic(*basic),
            ),
            client.post(
                f"{base}/oauth/introspect",
                data={"token": tokens["access_token"]},
                headers=_basic(*gateway),
            ),  # fmt: skip
            client.get(f"{base}/admin/products", headers=auth),
        )

    try:
        assert client.get(f"{base}/admin/products", headers=auth).status_code == 200
        proxy.stop()
        refreshed, introspected, api = calls()
        assert refreshed.status_code == 503 and refreshed.json["error"] == "temporarily_unavailable"
        assert introspected.status_code == 503 and "active" not in introspected.json
        assert api.status_code == 503
        proxy.start()
        deadline = time.monotonic() + 10
        while client.get(f"{base}/admin/products", headers=auth).status_code != 200:
            assert time.monotonic() < deadline, "no recovery within 10 s"
            time.sleep(0.2)
        refreshed, introspected, _ = calls()
        assert refreshed.status_code == 200, refreshed.json
        assert introspected.status_code == 200 and introspected.json["active"] is True
    finally:
        proxy.stop()
        with node.app_context():
            db.engine.dispose()


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}
