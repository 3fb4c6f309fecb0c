"""The flow driven by a real JavaScript client from the npm registry: openid-client 6 on Node.

pytest plays the operator (login and consent with requests); ``tests/js/client.mjs`` is the app:
it discovers the server (RFC 8414), builds the authorization URL (comma-free, PKCE S256), takes
the callback, exchanges the code with HTTP Basic, refreshes, introspects and revokes. The npm
packages come from tests/js/package-lock.json (``npm ci``, by ``make test-deps`` or here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import Browser

JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    reason = ""
    if not node or not npm:
        reason = "NODE.JS/NPM ARE NOT INSTALLED: the JavaScript client test did not run."
    elif not (JS / "node_modules" / "openid-client").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True
        )
        if done.returncode != 0:
            reason = (
                f"NPM CI FAILED in tests/js: the JavaScript client test did not run.\n{done.stderr}"
            )
    if reason and os.environ.get("CI"):
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)
    return node


def run(node: str, secret: str, *args: str) -> dict:
    result = subprocess.run(
        [node, str(JS / "client.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CLIENT_SECRET": secret},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_openid_client_code_exchange_refresh_introspect_revoke(node, live_server, world):
    client = world.web
    issuer = f"{live_server}/malls/{world.mall_id}"
    started = run(
        node,
        client.client_secret,
        "authorize",
        issuer,
        client.client_id,
        client.redirect_uri,
        " ".join(client.scopes),
    )
    assert started["url"].startswith(f"{issuer}/api/v2/oauth/authorize?")

    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    answer = browser.decide(started["url"])
    assert answer.status_code in (302, 303), answer.text[:300]
    callback = answer.headers["Location"]
    assert callback.startswith(client.redirect_uri + "?")

    result = run(
        node,
        client.client_secret,
        "exchange",
        issuer,
        client.client_id,
        callback,
        started["state"],
        started["code_verifier"],
    )
    token, refreshed = result["token"], result["refreshed"]
    assert token["token_type"].lower() == "bearer"  # oauth4webapi lowercases it
    assert token["expires_in"] == 7200
    assert token["scopes"] == client.scopes
    assert token["mall_id"] == world.mall_id and token["user_id"] == "owner"
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["scopes"] == client.scopes
    introspected = result["introspected"]
    assert introspected["active"] is True
    assert introspected["client_id"] == client.client_id
    assert introspected["iss"] == issuer
    assert result["after_revocation"] == {"active": False}


def test_openid_client_refuses_a_callback_with_the_wrong_state(node, live_server, world):
    """The library's own checks run against our answers (state, RFC 9207 ``iss``)."""
    client = world.web
    issuer = f"{live_server}/malls/{world.mall_id}"
    started = run(
        node,
        client.client_secret,
        "authorize",
        issuer,
        client.client_id,
        client.redirect_uri,
        "mall.read_product",
    )
    browser = Browser(live_server, world.mall_id)
    browser.login()
    callback = browser.decide(started["url"]).headers["Location"]
    result = subprocess.run(
        [
            node,
            str(JS / "client.mjs"),
            "exchange",
            issuer,
            client.client_id,
            callback,
            "other",
            started["code_verifier"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CLIENT_SECRET": client.client_secret},
    )
    assert result.returncode == 1
    assert "state" in result.stdout, result.stdout
