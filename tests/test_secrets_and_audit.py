"""Secrets never in logs nor in the audit trail (SECURITY.md 20, 28, 30; issue 5 points 7, 8):
the whole flow with every logger at DEBUG (SQL statements and parameters included), the audit
events of every security action with time, actor, mall, app and address, the ``audit list``
CLI and the review console's audit page; token entropy and constant-time secret checks."""

from __future__ import annotations

import inspect
import json
import logging
import math
import statistics
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import App, AuditEvent
from authserver.oauth.tokens import generate_token_response
from authserver.security.crypto import BASE62, random_base62

from .devcenter import REVIEWER, add_reviewer, log_in, post_form
from .helpers import PASSWORD, Browser, csrf_token, exchange, pkce_pair, refresh
from .oauth_helpers import introspect, revoke


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def every_log():
    """Every logger at DEBUG: root, werkzeug's request lines, SQLAlchemy's statements with
    their parameters, and the access log (which does not propagate)."""
    capture = _Capture()
    names = ["", "werkzeug", "sqlalchemy.engine", "authserver.access", "authlib"]
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    yield capture
    for logger, level in saved:
        logger.setLevel(level)
        logger.removeHandler(capture)


def _whole_flow(app, live_server, world, gateway) -> dict[str, str]:
    """Operator login, consent, code exchange with PKCE, refresh, introspection, revocation,
    an Admin API call, a developer login and an App Secret reissue. Returns every secret."""
    client = world.web
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    verifier, challenge = pkce_pair()
    code = browser.authorize(client, code_challenge=challenge, code_challenge_method="S256")["code"]
    first = exchange(live_server, world.mall_id, client, code, code_verifier=verifier).json()
    second = refresh(live_server, world.mall_id, client, first["refresh_token"]).json()
    assert introspect(live_server, world.mall_id, second["access_token"], auth=gateway).ok
    api = requests.get(
        f"{live_server}/malls/{world.mall_id}/api/v2/admin/products",
        headers={"Authorization": f"Bearer {second['access_token']}"},
    )
    assert api.status_code == 200
    assert revoke(live_server, world.mall_id, client, second["refresh_token"]).status_code == 200

    developer = requests.Session()
    page = developer.get(f"{live_server}/developers/login")
    developer.post(
        f"{live_server}/developers/login",
        data={"email": world.developer, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    reissue = f"{live_server}/developers/apps/{client.client_id}/credentials/reissue"
    page = developer.get(reissue)
    developer.post(reissue, data={"confirm": "y", "csrf_token": csrf_token(page.text)})
    with app.app_context():
        new_secret = db.session.scalar(select(App).where(App.client_id == client.client_id))
        new_secret = new_secret.client_secret
    assert new_secret != client.client_secret
    return {
        "code": code,
        "code_verifier": verifier,
        "client_secret": client.client_secret,
        "reissued_secret": new_secret,
        "gateway_secret": gateway[1],
        "access_token": first["access_token"],
        "refresh_token": first["refresh_token"],
        "rotated_access_token": second["access_token"],
        "rotated_refresh_token": second["refresh_token"],
        "password": PASSWORD,
    }


def test_whole_flow_leaves_no_secret_in_any_log(app, live_server, world, gateway, every_log):
    secrets = _whole_flow(app, live_server, world, gateway)
    everything = "\n".join(every_log.lines)
    assert "SELECT" in everything and "/api/v2/oauth/token" in everything  # really captured
    for name, value in secrets.items():
        assert value not in everything, f"{name} leaked into the logs"


def _audit_rows(app) -> list[AuditEvent]:
    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_every_security_action_is_audited_without_secrets(app, live_server, world, gateway):
    with app.app_context():
        add_reviewer()
    secrets = _whole_flow(app, live_server, world, gateway)
    browser = Browser(live_server, world.mall_id)
    browser.login(password="wrong")
    browser.login()
    # Code replay and refresh-token reuse.
    code = browser.authorize(world.web, scope="mall.read_product")["code"]
    web = world.web
    web.client_secret = secrets["reissued_secret"]
    tokens = exchange(live_server, world.mall_id, web, code).json()
    assert exchange(live_server, world.mall_id, web, code).status_code == 400
    fresh = browser.authorize(world.web, scope="mall.read_product")["code"]
    tokens = exchange(live_server, world.mall_id, web, fresh).json()
    refresh(live_server, world.mall_id, web, tokens["refresh_token"])
    assert refresh(live_server, world.mall_id, web, tokens["refresh_token"]).status_code == 400
    # Review status change, failed developer and reviewer logins, uninstall.
    developer = app.test_client()
    log_in(developer, world.developer)
    post_form(developer, f"/developers/apps/{web.client_id}/status", {},
              action=f"/developers/apps/{web.client_id}/submit")  # fmt: skip
    for area, email in (("developers", world.developer), ("review", REVIEWER)):
        post_form(app.test_client(), f"/{area}/login", {"email": email, "password": "bad"})
    log_in(app.test_client(), REVIEWER, area="review")
    uninstall = browser.url(f"/malls/{world.mall_id}/admin/apps/{web.client_id}/uninstall")
    token = csrf_token(browser.get(uninstall).text)
    posted = browser.session.post(uninstall, data={"csrf_token": token}, allow_redirects=False)
    assert posted.status_code == 303

    rows = _audit_rows(app)
    seen = {(row.event, (row.actor or "").split(":")[0]) for row in rows}
    for kind in ("operator", "developer", "reviewer"):
        assert ("login", kind) in seen and ("login_failed", kind) in seen, kind
    expected = {
        "consent": "operator",
        "token_issued": "app",
        "code_replay": "app",
        "refresh_reuse": "app",
        "token_revoked": "app",
        "secret_reissued": "developer",
        "app_status_changed": "developer",
        "uninstall": "operator",
    }
    for event, actor in expected.items():
        assert (event, actor) in seen, event
    for row in rows:
        if row.actor == "cli":  # e.g. gateway_created by the CLI: no address
            continue
        assert row.created_at is not None and row.ip == "127.0.0.1", row.event
        if row.event not in ("login", "login_failed", "secret_reissued", "app_status_changed"):
            assert row.mall_id == world.mall_id, row.event
        if row.event not in ("login", "login_failed"):
            assert row.client_id == web.client_id, row.event
    dump = json.dumps([[str(getattr(row, c)) for c in ("actor", "detail")] for row in rows])
    for name, value in {**secrets, "last_refresh": tokens["refresh_token"]}.items():
        assert value not in dump, f"{name} is in the audit trail"

    cli = app.test_cli_runner().invoke(args=["audit", "list", "--json", "--event", "uninstall"])
    assert cli.exit_code == 0, cli.output
    (listed,) = [json.loads(line) for line in cli.output.splitlines()]
    assert listed["event"] == "uninstall" and listed["client_id"] == web.client_id
    assert {"time", "actor", "mall_id", "ip", "detail"} <= set(listed)
    text = app.test_cli_runner().invoke(args=["audit", "list", "--limit", "3"]).output
    assert len(text.splitlines()) == 3

    reviewer = app.test_client()
    log_in(reviewer, REVIEWER, area="review")
    page = reviewer.get("/review/audit?event=login_failed").get_data(as_text=True)
    assert page.count('class="audit-row"') == 3 and "developer:" in page
    assert "uninstall" not in page.split("<table")[-1]
    everything = reviewer.get("/review/audit").get_data(as_text=True)
    assert everything.count('class="audit-row"') == len(rows) + 1  # + this reviewer's login
    assert app.test_client().get("/review/audit").status_code == 302  # staff only


def test_client_secrets_are_encrypted_and_compared_in_constant_time(app, world, configure):
    """Item 20 (the project stores App Secrets encrypted, Project decisions): white-box, the
    check is ``hmac.compare_digest``; a smoke test over the token endpoint finds no timing
    difference between a wrong secret sharing a long prefix and one sharing none."""
    from authserver.security import crypto

    assert "compare_digest" in inspect.getsource(crypto.constant_time_equals)
    assert "constant_time_equals" in inspect.getsource(App.check_client_secret)
    with app.app_context():
        row = db.session.scalar(select(App).where(App.client_id == world.web.client_id))
        assert world.web.client_secret not in row.client_secret_encrypted
    configure(AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS=10**6,
              AUTHSERVER_AUTH_FAILURES_PER_ADDRESS=10**6,
              AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT=10**6)  # fmt: skip
    client = app.test_client()
    url = f"/malls/{world.mall_id}/api/v2/oauth/token"
    secret = world.web.client_secret
    near, far = secret[:-1] + ("A" if secret[-1] != "A" else "B"), "Z" * len(secret)

    def timed(wrong: str) -> float:
        started = time.perf_counter()
        answer = client.post(url, data={"grant_type": "refresh_token", "refresh_token": "x"},
                             auth=(world.web.client_id, wrong))  # fmt: skip
        assert answer.status_code == 401
        return (time.perf_counter() - started) * 1000

    for _ in range(20):  # warm up
        timed(far)
    near_ms, far_ms = [], []
    for _ in range(200):  # interleaved, so load changes hit both alike
        near_ms.append(timed(near))
        far_ms.append(timed(far))
    near_median, far_median = statistics.median(near_ms), statistics.median(far_ms)
    assert abs(near_median - far_median) < max(1.0, 0.25 * far_median), (near_median, far_median)


def test_tokens_are_unguessable(app, world):
    """Item 28: 10,000 access and refresh tokens are distinct, each carries at least 160 bits
    (length x log2(62)), from the CSPRNG; the database holds only their SHA-256."""
    with app.app_context(), app.test_request_context():
        from authserver.models import Mall
        from authserver.oauth.tokens import Grantor

        mall = db.session.scalar(select(Mall).where(Mall.mall_id == world.mall_id))
        client = db.session.scalar(select(App).where(App.client_id == world.web.client_id))
        seen: set[str] = set()
        for _ in range(5_000):
            token = generate_token_response(
                "authorization_code", client, Grantor(mall, "owner"), "mall.read_product"
            )
            seen.update((token["access_token"], token["refresh_token"]))
        assert len(seen) == 10_000
        bits = min(len(value) for value in seen) * math.log2(len(BASE62))
        assert bits >= 160, bits
        assert set("".join(seen)) <= set(BASE62)


def test_random_base62_draws_from_the_csprng_without_bias(monkeypatch):
    """Every character comes from ``os.urandom`` (the CSPRNG): byte ``b`` below 248 is
    ``BASE62[b % 62]``, so each character has exactly four bytes; the eight bytes above are
    dropped, not folded onto the first characters (the modulo bias). And over many draws
    every character turns up as often as chance allows."""
    import authserver.security.crypto as crypto

    drawn: list[bytes] = []
    supply = iter(
        [bytes([0, 61, 248, 62, 255, 247, 123, 186, 185]), bytes([250] * 17), bytes([1, 2, 3] * 6)]
    )

    def urandom(size: int) -> bytes:
        drawn.append(next(supply))
        return drawn[-1]

    monkeypatch.setattr(crypto.os, "urandom", urandom)
    expected = "".join(BASE62[b % 62] for b in (0, 61, 62, 247, 123, 186, 185))
    assert random_base62(7) == expected and len(drawn) == 1
    assert random_base62(9) == BASE62[1:4] * 3 and len(drawn) == 3  # drawn again: all dropped
    monkeypatch.undo()

    counts = Counter(random_base62(10_000) + "".join(random_base62(32) for _ in range(3000)))
    assert set(counts) == set(BASE62)
    total = sum(counts.values())
    chi_square = sum((n - total / 62) ** 2 / (total / 62) for n in counts.values())
    assert chi_square < 150, chi_square  # 61 degrees of freedom: p < 1e-9 when uniform
