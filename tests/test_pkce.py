"""PKCE (RFC 7636, RFC 9700 §2.1.1): S256 only; required for native apps, optional for web
apps unless AUTHSERVER_REQUIRE_PKCE=all; the verifier checked; downgrades refused."""

from __future__ import annotations

import pytest

from .helpers import Browser, exchange, pkce_pair, query_of


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _native_code(browser, world, challenge):
    return browser.authorize(world.native, code_challenge=challenge, code_challenge_method="S256")[
        "code"
    ]


def test_native_app_flow_with_s256(browser, world, live_server):
    verifier, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    response = exchange(live_server, world.mall_id, world.native, code, code_verifier=verifier)
    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == world.native.client_id


def test_native_loopback_redirect_matches_any_port(browser, world, live_server):
    verifier, challenge = pkce_pair()
    redirect_uri = "http://127.0.0.1:53127/callback"
    query = browser.authorize(
        world.native,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    response = exchange(
        live_server,
        world.mall_id,
        world.native,
        query["code"],
        code_verifier=verifier,
        redirect_uri=redirect_uri,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"code_challenge_method": "S256"},
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},
        {"code_challenge": "short", "code_challenge_method": "S256"},
    ],
)
def test_native_app_authorize_requires_s256_challenge(browser, world, params):
    response = browser.get(browser.authorize_url(world.native, **params))
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == "invalid_request"
    assert query["state"] == "xyz"


def test_plain_is_refused_for_web_apps_too(browser, world):
    url = browser.authorize_url(world.web, code_challenge="x" * 43, code_challenge_method="plain")
    response = browser.get(url)
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


def test_require_pkce_all_applies_to_web_apps(browser, world, configure):
    configure(AUTHSERVER_REQUIRE_PKCE="all")
    response = browser.get(browser.authorize_url(world.web))
    assert query_of(response.headers["Location"])["error"] == "invalid_request"
    _, challenge = pkce_pair()
    assert browser.authorize(world.web, code_challenge=challenge, code_challenge_method="S256")


def test_missing_verifier_is_invalid_request(browser, world, live_server):
    _, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    response = exchange(live_server, world.mall_id, world.native, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_verifier_is_invalid_grant_and_keeps_the_code(browser, world, live_server):
    verifier, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    wrong = exchange(live_server, world.mall_id, world.native, code, code_verifier="a" * 43)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    right = exchange(live_server, world.mall_id, world.native, code, code_verifier=verifier)
    assert right.status_code == 200


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "!"])
def test_malformed_verifier_is_invalid_request(browser, world, live_server, verifier):
    _, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    response = exchange(live_server, world.mall_id, world.native, code, code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_web_app_may_use_pkce(browser, world, live_server):
    verifier, challenge = pkce_pair()
    code = browser.authorize(world.web, code_challenge=challenge, code_challenge_method="S256")[
        "code"
    ]
    missing = exchange(live_server, world.mall_id, world.web, code)
    assert missing.json()["error"] == "invalid_request"
    assert exchange(live_server, world.mall_id, world.web, code, code_verifier=verifier).ok


def test_downgrade_verifier_without_challenge_is_refused(browser, world, live_server):
    """RFC 9700 §4.8.2: a code issued without a challenge cannot be redeemed with a verifier."""
    code = browser.authorize(world.web)["code"]
    verifier, _ = pkce_pair()
    response = exchange(live_server, world.mall_id, world.web, code, code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_replay_with_wrong_verifier_does_not_revoke(browser, world, live_server):
    """OAuth 2.1 §7.5.2: only an otherwise valid replay revokes the code's tokens."""
    from .helpers import refresh

    verifier, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    first = exchange(live_server, world.mall_id, world.native, code, code_verifier=verifier).json()
    replay = exchange(live_server, world.mall_id, world.native, code, code_verifier="b" * 43)
    assert replay.json()["error"] == "invalid_grant"
    still = refresh(live_server, world.mall_id, world.native, first["refresh_token"])
    assert still.status_code == 200


def test_native_app_cannot_use_a_secret_and_skip_pkce(browser, world, live_server):
    """A public client authenticates with client_id alone; a client_secret is not a way in."""
    _, challenge = pkce_pair()
    code = _native_code(browser, world, challenge)
    response = exchange(
        live_server,
        world.mall_id,
        world.native,
        code,
        client_secret=world.native.client_secret,
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
