"""Production serving: health checks, readiness on a broken database and recovery, ProxyFix
only when configured, and a JSON access log that never holds a credential."""

from __future__ import annotations

import json
import logging
import os
import time
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy.engine import make_url

from authserver import create_app
from authserver.extensions import db
from authserver.platform.ops import ACCESS_LOGGER, redact_query

from .helpers import Browser, exchange, pkce_pair, refresh
from .servers import TEST_ENCRYPTION_KEY, TcpProxy, serve_app

SPOOFED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def make_app(database_url: str, **config):
    return create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            **config,
        }
    )


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs():
    """Everything logged at DEBUG and above, plus the access log (which does not propagate)."""
    capture = Capture()
    root, access = logging.getLogger(), logging.getLogger(ACCESS_LOGGER)
    saved_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(capture)
    access.addHandler(capture)
    yield capture
    access.removeHandler(capture)
    root.removeHandler(capture)
    root.setLevel(saved_level)


def access_lines(capture: Capture) -> list[dict]:
    return [json.loads(line) for line in capture.lines if line.startswith('{"time"')]


def test_healthz_and_readyz(live_server):
    health = requests.get(f"{live_server}/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = requests.get(f"{live_server}/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_readyz_503_on_unreachable_database_then_recovers(tmp_path):
    """SQLite: the database directory is missing, then created; the same process recovers."""
    folder = tmp_path / "not-yet"
    app = make_app(f"sqlite:///{folder / 'db.sqlite'}")
    with serve_app(app) as base:
        assert requests.get(f"{base}/healthz").status_code == 200
        ready = requests.get(f"{base}/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "unreachable"}
        assert ready.headers["Cache-Control"] == "no-store"
        folder.mkdir()
        assert requests.get(f"{base}/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_readyz_on_postgresql_outage_and_recovery_without_restart(app):
    """The database goes away under a live node (a TCP proxy drops every connection) and comes
    back: /readyz says 503, then 200 again, with no restart (idle connections are pinged)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs AUTHSERVER_TEST_DATABASE_URL on PostgreSQL")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port)
    node = make_app(proxied.render_as_string(hide_password=False))
    try:
        with serve_app(node) as base:
            assert requests.get(f"{base}/readyz").status_code == 200  # a pooled connection
            proxy.stop()
            down = requests.get(f"{base}/readyz")
            assert down.status_code == 503 and down.json()["database"] == "unreachable"
            proxy.start()
            deadline = time.monotonic() + 10
            while requests.get(f"{base}/readyz").status_code != 200:
                assert time.monotonic() < deadline, "no recovery within 10 s"
                time.sleep(0.2)
    finally:
        proxy.stop()
        with node.app_context():
            db.engine.dispose()


def test_spoofed_forwarded_headers_change_nothing_without_a_proxy(live_server, captured_logs):
    response = requests.get(f"{live_server}/healthz", headers=SPOOFED)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    (line,) = [x for x in access_lines(captured_logs) if x["path"] == "/healthz"]
    assert line["remote_addr"] == "127.0.0.1"


def test_proxy_hops_trust_exactly_that_many_proxies(app, captured_logs):
    proxied = make_app(app.config["AUTHSERVER_DATABASE_URL"], AUTHSERVER_PROXY_HOPS=1)
    with serve_app(proxied) as base:
        response = requests.get(f"{base}/healthz", headers=SPOOFED)
        # Two hops claimed, one trusted: the address the trusted proxy saw is the client's.
        chained = requests.get(
            f"{base}/healthz", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert chained.status_code == 200
    addresses = [x["remote_addr"] for x in access_lines(captured_logs)]
    assert addresses == ["203.0.113.9", "203.0.113.7"]
    with proxied.app_context():
        db.engine.dispose()


def test_redact_query():
    redacted = redact_query("code=abc&state=s&client_secret=x&Token=t&scope=a%20b")
    assert redacted == (
        "code=[redacted]&state=s&client_secret=[redacted]&Token=[redacted]&scope=a+b"
    )


def test_full_flow_leaves_no_credential_in_any_log(live_server, world, captured_logs):
    """SECURITY.md item 30: code flow with PKCE, exchange and refresh, logs at DEBUG."""
    client = world.web
    browser = Browser(live_server, world.mall_id)
    browser.login()
    verifier, challenge = pkce_pair()
    code = browser.authorize(client, code_challenge=challenge, code_challenge_method="S256")["code"]
    token = exchange(live_server, world.mall_id, client, code, code_verifier=verifier).json()
    renewed = refresh(live_server, world.mall_id, client, token["refresh_token"]).json()
    assert "access_token" in renewed, renewed
    secrets = {
        "code": code,
        "code_verifier": verifier,
        "client_secret": client.client_secret,
        "access_token": token["access_token"],
        "refresh_token": token["refresh_token"],
        "new_access_token": renewed["access_token"],
        "new_refresh_token": renewed["refresh_token"],
        "password": "correct horse battery",
    }
    everything = "\n".join(captured_logs.lines)
    for name, value in secrets.items():
        assert value not in everything, f"{name} leaked into the logs"

    lines = access_lines(captured_logs)
    paths = [(x["method"], urlsplit(x["path"]).path, x["status"]) for x in lines]
    token_path = f"/malls/{world.mall_id}/api/v2/oauth/token"
    assert ("POST", token_path, 200) in paths
    assert paths.count(("POST", token_path, 200)) == 2
    assert {"time", "method", "path", "query", "status", "duration_ms", "remote_addr"} <= set(
        lines[0]
    )
    assert all(isinstance(x["duration_ms"], float | int) for x in lines)

    # A careless client puts credentials in a query string: the access log redacts them.
    # (The werkzeug development server's own request line would not; the production server's is off:
    # tests/test_serving.py.)
    requests.get(f"{live_server}/healthz", params={"code": code, "access_token": "x" * 32})
    careless = access_lines(captured_logs)[-1]
    assert careless["query"] == "code=[redacted]&access_token=[redacted]"


def test_database_url_password_is_not_logged_by_readyz(tmp_path, captured_logs):
    app = make_app("postgresql://user:hunter2-secret@127.0.0.1:1/none")
    with serve_app(app) as base:
        assert requests.get(f"{base}/readyz").status_code == 503
    assert "hunter2-secret" not in "\n".join(captured_logs.lines)
    assert os.environ.get("AUTHSERVER_PROXY_HOPS") in (None, "", "0")


def test_access_line_written_directly_is_the_json_of_its_fields(app):
    """In production the access logger's one handler writes the line without a LogRecord; the
    line is still exactly ``json.dumps`` of its fields, awkward strings included."""
    import io
    from datetime import datetime

    from werkzeug.test import EnvironBuilder

    from authserver.platform.ops import AccessLog, LineHandler

    stream = io.StringIO()
    log = logging.getLogger("authserver.test_access_direct")
    handler = LineHandler(stream)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    agent = 'curl/8 "quoted" \\ back\tslash \u00e9\u4e2d \U0001f600 \x01'
    environ = EnvironBuilder(
        path="/h\u00e9llo/\u4e2d",
        query_string="state=%C3%A9&code=secret",
        headers={"User-Agent": agent},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    ).get_environ()
    try:
        b"".join(AccessLog(app.wsgi_app, log)(environ, lambda *args: None))
    finally:
        log.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    fields = json.loads(line)
    assert line == json.dumps(fields, separators=(",", ":"))  # the encoder's own output
    assert fields["path"] == environ["PATH_INFO"] and fields["user_agent"] == agent
    assert fields["query"] == "state=%C3%A9&code=[redacted]"
    assert (fields["method"], fields["status"], fields["remote_addr"]) == (
        "GET",
        404,
        "203.0.113.5",
    )
    assert isinstance(fields["duration_ms"], float)
    written = datetime.fromisoformat(fields["time"])
    assert abs(written.timestamp() - time.time()) < 5 and written.utcoffset().total_seconds() == 0
    assert len(fields["time"]) == len("2026-11-27T02:40:00.123+00:00")
