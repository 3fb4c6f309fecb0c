"""Brute-force limits (SECURITY.md 21, R10; issue 5 point 5): failed logins of the three
account kinds and failed client authentication at token, revoke and introspect are limited per
(account, address), per address and per account; only failures count; every lockout is short;
a known (account, address) pair is never locked out by others; shared through Redis."""

from __future__ import annotations

import base64

import pytest
import requests

from authserver import create_app

from .devcenter import REVIEWER, add_reviewer
from .helpers import PASSWORD, REDIS_URL, csrf_token, redis_keyspace
from .oauth_helpers import oauth_url


def _login_form(world, kind: str) -> tuple[str, dict, dict]:
    """(login URL, wrong credentials, right credentials) for one kind of account."""
    if kind == "operator":
        url = f"/malls/{world.mall_id}/admin/login"
        return url, {"user_id": "owner", "password": "wrong"}, {"user_id": "owner"}
    email = world.developer if kind == "developer" else REVIEWER
    url = "/developers/login" if kind == "developer" else "/review/login"
    return url, {"email": email, "password": "wrong"}, {"email": email}


def _attempt(app, url: str, fields: dict, address: str, password: str | None = None):
    """One login attempt from ``address`` in a fresh browser."""
    browser = app.test_client()
    env = {"REMOTE_ADDR": address}
    token = csrf_token(browser.get(url, environ_base=env).get_data(as_text=True))
    data = {**fields, "csrf_token": token}
    if password is not None:
        data["password"] = password
    return browser.post(url, data=data, environ_base=env)


@pytest.fixture
def limits(configure):
    """Small limits: 3 failures per (account, address), 6 per address or account."""
    configure(
        AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS=3,
        AUTHSERVER_AUTH_FAILURES_PER_ADDRESS=6,
        AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT=6,
        AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS=60,
    )
    return configure


@pytest.mark.parametrize("kind", ["operator", "developer", "reviewer"])
def test_logins_are_limited_per_account_and_address(app, world, limits, kind):
    with app.app_context():
        add_reviewer()
    url, wrong, right = _login_form(world, kind)
    for _ in range(3):
        refused = _attempt(app, url, wrong, "10.0.0.1")
        assert refused.status_code == 400
    # The fourth attempt is not even checked: the right password is refused too.
    limited = _attempt(app, url, right, "10.0.0.1", PASSWORD)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.mimetype == "text/html"
    assert "Too many failed attempts" in limited.get_data(as_text=True)
    assert "Location" not in limited.headers
    # The real user, elsewhere, is not affected.
    assert _attempt(app, url, right, "10.0.0.2", PASSWORD).status_code == 303


def test_success_never_counts(app, world, limits):
    url, wrong, right = _login_form(world, "operator")
    for _ in range(20):
        assert _attempt(app, url, right, "10.0.0.1", PASSWORD).status_code == 303
    for _ in range(2):
        assert _attempt(app, url, wrong, "10.0.0.1").status_code == 400
    assert _attempt(app, url, right, "10.0.0.1", PASSWORD).status_code == 303


def test_lockout_ends_when_the_bucket_drains(app, world, limits, travel):
    # A failure drains in 1.5 s: long enough that the 429 below is still due on a loaded
    # machine (0.5 s was not, under a parallel valgrind run); the drain is travelled, not waited.
    limits(AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS=1.5)
    url, wrong, right = _login_form(world, "developer")
    for _ in range(3):
        _attempt(app, url, wrong, "10.0.0.1")
    assert _attempt(app, url, right, "10.0.0.1", PASSWORD).status_code == 429
    travel(1.6)
    assert _attempt(app, url, right, "10.0.0.1", PASSWORD).status_code == 303


def test_many_addresses_cannot_lock_out_a_known_address(app, world, limits):
    url, wrong, right = _login_form(world, "operator")
    assert _attempt(app, url, right, "192.0.2.10", PASSWORD).status_code == 303  # known now
    for index in range(6):  # six attackers, one guess each: the account bucket is full
        assert _attempt(app, url, wrong, f"198.51.100.{index}").status_code == 400
    new_address = _attempt(app, url, right, "198.51.100.99", PASSWORD)
    assert new_address.status_code == 429
    assert int(new_address.headers["Retry-After"]) <= 60  # bounded: one failure drains
    assert _attempt(app, url, right, "192.0.2.10", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_limited(app, world, limits):
    url = f"/malls/{world.mall_id}/admin/login"
    for index in range(6):
        wrong = {"user_id": f"user{index}", "password": "x"}
        assert _attempt(app, url, wrong, "10.9.9.9").status_code == 400
    assert _attempt(app, url, {"user_id": "owner"}, "10.9.9.9", PASSWORD).status_code == 429


# -- client authentication ---------------------------------------------------------------------
def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _revoke(app, world, secret: str, address: str):
    return app.test_client().post(
        f"/malls/{world.mall_id}/api/v2/oauth/revoke",
        data={"token": "not-a-token"},
        headers=_basic(world.web.client_id, secret),
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.mark.parametrize("endpoint", ["token", "revoke", "introspect"])
def test_failed_client_authentication_is_limited(app, world, limits, endpoint):
    url = f"/malls/{world.mall_id}/api/v2/oauth/{endpoint}"
    data = {"grant_type": "refresh_token", "refresh_token": "x", "token": "x"}

    def call(secret: str, address: str = "10.0.0.1"):
        return app.test_client().post(
            url,
            data=data,
            headers=_basic(world.web.client_id, secret),
            environ_base={"REMOTE_ADDR": address},
        )

    for _ in range(3):
        assert call("wrong").status_code == 401
    limited = call(world.web.client_secret)
    assert limited.status_code == 429
    assert limited.json["error"] == "slow_down"
    assert "no-store" in limited.headers["Cache-Control"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert call(world.web.client_secret, "10.0.0.2").status_code in (200, 400)


def test_percent_encoded_variants_of_one_app_key_share_its_limit(app, world, configure):
    """Issue 16 item 3: Basic credentials are form-urlencoded (RFC 6749 §2.3.1) and Authlib
    decodes them, so ``%65...`` is the same App Key; its failures count against that key."""
    configure(AUTHSERVER_AUTH_FAILURES_PER_ACCOUNT_AND_ADDRESS=5)
    client_id = world.web.client_id
    url = f"/malls/{world.mall_id}/api/v2/oauth/revoke"

    def call(claimed: str, secret: str):
        return app.test_client().post(url, data={"token": "x"}, headers=_basic(claimed, secret))

    variants = [client_id[:n] + f"%{ord(client_id[n]):02X}" + client_id[n + 1 :] for n in range(6)]
    assert call(variants[0], world.web.client_secret).status_code == 200  # the same client
    for variant in variants[:5]:
        assert call(variant, "wrong").status_code == 401
    for claimed in (client_id, variants[5]):
        limited = call(claimed, world.web.client_secret)
        assert limited.status_code == 429
        assert limited.json["error"] == "slow_down"


def test_a_busy_app_with_the_right_secret_is_never_throttled(app, world, limits):
    # Not by the failure limits: the call limit on revocation is another rule (issue 16).
    limits(AUTHSERVER_TOKEN_ENDPOINT_BUCKET_SIZE=1000)
    for _ in range(100):
        assert _revoke(app, world, world.web.client_secret, "10.0.0.1").status_code == 200


def test_an_attacker_cannot_lock_out_the_apps_servers(app, world, limits):
    assert _revoke(app, world, world.web.client_secret, "192.0.2.1").status_code == 200
    for index in range(10):
        _revoke(app, world, "guess", f"198.51.100.{index}")
    assert _revoke(app, world, "guess", "198.51.100.77").status_code == 429
    assert _revoke(app, world, world.web.client_secret, "192.0.2.1").status_code == 200


def test_client_lockout_ends_when_the_bucket_drains(app, world, limits, travel):
    limits(AUTHSERVER_AUTH_FAILURE_DRAIN_SECONDS=0.5)
    for _ in range(3):
        _revoke(app, world, "wrong", "10.0.0.1")
    assert _revoke(app, world, world.web.client_secret, "10.0.0.1").status_code == 429
    travel(0.6)
    assert _revoke(app, world, world.web.client_secret, "10.0.0.1").status_code == 200


def test_limit_over_live_http(live_server, world, limits):
    url = oauth_url(live_server, world.mall_id, "token")
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    for _ in range(3):
        assert requests.post(url, data=data, auth=(world.web.client_id, "no")).status_code == 401
    limited = requests.post(url, data=data, auth=(world.web.client_id, world.web.client_secret))
    assert limited.status_code == 429
    assert limited.json()["error"] == "slow_down" and limited.headers["Retry-After"]


def test_failures_are_shared_through_redis(app, world, limits):
    with redis_keyspace("test") as (store, prefix):
        limits(AUTHSERVER_REDIS_URL=REDIS_URL, AUTHSERVER_REDIS_KEY_PREFIX=prefix)
        other = create_app(
            {
                "AUTHSERVER_DATABASE_URL": app.config["AUTHSERVER_DATABASE_URL"],
                "AUTHSERVER_SECRET_KEY": "test-secret-key",
                **{key: app.config[key] for key in app.config if key.startswith("AUTHSERVER_AUTH")},
                "AUTHSERVER_REDIS_URL": REDIS_URL,
                "AUTHSERVER_REDIS_KEY_PREFIX": prefix,
            }
        )
        for _ in range(3):
            assert _revoke(app, world, "wrong", "10.0.0.1").status_code == 401
        # Another server (its own limiter and SQLite file) sees the same full bucket.
        assert _revoke(other, world, world.web.client_secret, "10.0.0.1").status_code == 429
        assert store.keys(f"{prefix}*")


def test_failed_gateway_credentials_at_the_gateway_check_are_limited(app, limits, gateway):
    """The gateway check guards a secret too (RFC 6749 §2.3.1): failures only, per id."""
    gateway_id, secret = gateway

    def call(password: str, address: str = "10.0.0.1"):
        return app.test_client().get(
            "/gateway/check",
            headers={"X-Gateway-Authorization": _basic(gateway_id, password)["Authorization"]},
            environ_base={"REMOTE_ADDR": address},
        )

    for _ in range(3):
        assert call("wrong").status_code == 401
    limited = call(secret)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json["error"]["code"] == 429
    # Another address with the right secret is not locked out; it gets past authentication.
    assert call(secret, "10.0.0.2").status_code == 400  # no X-Original-* headers
