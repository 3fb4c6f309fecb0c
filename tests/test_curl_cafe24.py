"""The Cafe24-shaped requests exactly as Cafe24's docs show them, sent with curl.

CAFE24.md §1, §2 and §4: the authorize URL with comma-separated scopes; the token request with
HTTP Basic (``-u client_id:client_secret``) and a form body; the refresh; the revoke with
Cafe24's ``token_hint``; and an Admin API call with the bearer token. Only the base URL differs:
``https://{mall_id}.cafe24api.com`` becomes ``{server}/malls/{mall_id}``. The operator's login
and consent are a browser's (requests with a cookie jar).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .helpers import Browser, query_of

CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(CURL is None, reason="CURL IS NOT INSTALLED")


def curl(*args: str) -> tuple[int, dict]:
    """Run curl; the status and the JSON body (``{}`` for an empty one)."""
    result = subprocess.run(
        [CURL, "--silent", "--show-error", "--write-out", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body.strip() else {}


def test_cafe24_documented_requests_with_curl(live_server, world):
    client = world.web
    base = f"{live_server}/malls/{world.mall_id}"
    authorize_url = (
        f"{base}/api/v2/oauth/authorize?response_type=code&client_id={client.client_id}"
        f"&state=app_install&redirect_uri={client.redirect_uri}"
        "&scope=mall.read_product,mall.read_order"
    )
    browser = Browser(live_server, world.mall_id)
    assert browser.login().status_code == 303
    approved = browser.decide(authorize_url)
    assert approved.status_code in (302, 303), approved.text[:300]
    callback = query_of(approved.headers["Location"])
    assert callback["state"] == "app_install"

    credentials = f"{client.client_id}:{client.client_secret}"
    token_url = f"{base}/api/v2/oauth/token"
    form = ["-H", "Content-Type: application/x-www-form-urlencoded"]
    status, token = curl(
        "-X", "POST", token_url, "-u", credentials, *form,
        "-d", "grant_type=authorization_code",
        "-d", f"code={callback['code']}",
        "-d", f"redirect_uri={client.redirect_uri}",
    )  # fmt: skip
    assert status == 200, token
    assert token["scopes"] == ["mall.read_product", "mall.read_order"]
    assert token["mall_id"] == world.mall_id and token["user_id"] == "owner"
    assert token["client_id"] == client.client_id and token["shop_no"] == "1"
    for stamp in ("expires_at", "refresh_token_expires_at", "issued_at"):
        assert len(token[stamp]) == len("2021-03-01T14:00:00.000"), token[stamp]

    status, products = curl(
        "-X", "GET", f"{base}/api/v2/admin/products",
        "-H", f"Authorization: Bearer {token['access_token']}",
        "-H", "Content-Type: application/json",
    )  # fmt: skip
    assert status == 200 and products == {"products": []}

    status, refreshed = curl(
        "-X", "POST", token_url, "-u", credentials, *form,
        "-d", "grant_type=refresh_token",
        "-d", f"refresh_token={token['refresh_token']}",
    )  # fmt: skip
    assert status == 200, refreshed
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["scopes"] == token["scopes"]

    status, revoked = curl(
        "-X", "POST", f"{base}/api/v2/oauth/revoke", "-u", credentials, *form,
        "-d", f"token={refreshed['access_token']}",
        "-d", "token_hint=access_token",
    )  # fmt: skip
    assert status == 200, revoked

    # Revoking the access token revoked its refresh token too (CAFE24.md §4).
    status, error = curl(
        "-X", "POST", token_url, "-u", credentials, *form,
        "-d", "grant_type=refresh_token",
        "-d", f"refresh_token={refreshed['refresh_token']}",
    )  # fmt: skip
    assert status == 400 and error["error"] == "invalid_grant"
    status, error = curl(
        f"{base}/api/v2/admin/products", "-H", f"Authorization: Bearer {refreshed['access_token']}"
    )
    assert status == 401 and error["error"]["code"] == 401


def test_curl_with_wrong_secret_is_invalid_client(live_server, world):
    status, error = curl(
        "-X", "POST", f"{live_server}/malls/{world.mall_id}/api/v2/oauth/token",
        "-u", f"{world.web.client_id}:wrong",
        "-d", "grant_type=refresh_token", "-d", "refresh_token=x",
    )  # fmt: skip
    assert status == 401 and error["error"] == "invalid_client"
