"""Every error of the token, revocation and introspection endpoints has an ``error_description``.

DESIGN.md "Token response": the description is always present (a real Cafe24 client crashed
reading a missing one), in Cafe24's words where CAFE24.md §6.3 records them: "Invalid
refresh_token" for an unknown, expired, rotated or revoked refresh token, "Code time expired"
for a code past its minute. Each case is one error path, walked over HTTP.
"""

from __future__ import annotations

import re

import pytest
import requests

from authserver.extensions import db
from authserver.models import Installation

from .helpers import Browser, exchange, pkce_pair, refresh, token_url
from .oauth_helpers import introspect, revoke

#: RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
DESCRIPTION_CHARACTERS = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]+")
INVALID_REFRESH_TOKEN = "Invalid refresh_token"  # CAFE24.md §6.3


def assert_described(
    response: requests.Response, error: str, status: int = 400, words: str | None = None
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    description = body.get("error_description")
    assert description and DESCRIPTION_CHARACTERS.fullmatch(description), body
    if words is not None:
        assert description == words, body


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


@pytest.fixture
def tokens(live_server, world, browser) -> dict:
    code = browser.authorize(world.web)["code"]
    return exchange(live_server, world.mall_id, world.web, code).json()


def _token(live_server, world, data: dict, auth=None) -> requests.Response:
    auth = auth if auth is not None else (world.web.client_id, world.web.client_secret)
    return requests.post(token_url(live_server, world.mall_id), data=data, auth=auth or None)


@pytest.mark.parametrize(
    "grant_type", ["password", "client_credentials", "urn:x:bad grant", "implicit"]
)
def test_unsupported_grant_types(live_server, world, grant_type):
    response = _token(live_server, world, {"grant_type": grant_type})
    assert_described(response, "unsupported_grant_type")
    assert grant_type not in response.json()["error_description"]  # never echoes input


def test_request_errors(live_server, world):
    assert_described(_token(live_server, world, {}), "invalid_request")
    repeated = {"grant_type": ["refresh_token", "refresh_token"], "refresh_token": "x"}
    assert_described(_token(live_server, world, repeated), "invalid_request")
    missing_code = {"grant_type": "authorization_code", "redirect_uri": world.web.redirect_uri}
    assert_described(_token(live_server, world, missing_code), "invalid_request")
    missing_refresh = {"grant_type": "refresh_token"}
    assert_described(_token(live_server, world, missing_refresh), "invalid_request")
    get = requests.get(token_url(live_server, world.mall_id))
    assert_described(get, "invalid_request", status=405)


def test_client_authentication_errors(live_server, world):
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    assert_described(_token(live_server, world, data, auth=False), "invalid_client")
    wrong = (world.web.client_id, "wrong")
    assert_described(_token(live_server, world, data, auth=wrong), "invalid_client", 401)
    unknown = ("nobody", "wrong")
    assert_described(_token(live_server, world, data, auth=unknown), "invalid_client", 401)
    both = data | {"client_id": world.web.client_id, "client_secret": world.web.client_secret}
    assert_described(_token(live_server, world, both), "invalid_request")


def test_authorization_code_errors(live_server, world, browser, configure, travel):
    code = browser.authorize(world.web)["code"]
    redirect_uri = world.web.redirect_uri
    base = {"grant_type": "authorization_code", "redirect_uri": redirect_uri}
    assert_described(_token(live_server, world, base | {"code": "unknown"}), "invalid_grant")
    other = (world.other_web.client_id, world.other_web.client_secret)
    by_other = _token(live_server, world, base | {"code": code}, auth=other)
    assert_described(by_other, "invalid_grant")
    no_redirect = {"grant_type": "authorization_code", "code": code}
    assert_described(_token(live_server, world, no_redirect), "invalid_grant")
    wrong_redirect = base | {"code": code, "redirect_uri": "https://elsewhere.example/cb"}
    assert_described(_token(live_server, world, wrong_redirect), "invalid_grant")
    verifier = base | {"code": code, "code_verifier": "v" * 50}
    assert_described(_token(live_server, world, verifier), "invalid_request")

    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200
    replay = exchange(live_server, world.mall_id, world.web, code)
    assert_described(replay, "invalid_grant")

    configure(AUTHSERVER_CODE_TTL=1)
    late = browser.authorize(world.web)["code"]
    travel(1.5)
    expired = exchange(live_server, world.mall_id, world.web, late)
    assert_described(expired, "invalid_grant", words="Code time expired")


def test_pkce_errors(live_server, world, browser):
    verifier, challenge = pkce_pair()
    params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = browser.authorize(world.native, **params)["code"]
    assert_described(exchange(live_server, world.mall_id, world.native, code), "invalid_request")
    wrong = exchange(live_server, world.mall_id, world.native, code, code_verifier="w" * 50)
    assert_described(wrong, "invalid_grant")


def test_refresh_token_errors_in_cafe24s_words(app, live_server, world, tokens):
    unknown = refresh(live_server, world.mall_id, world.web, "unknown-refresh-token")
    assert_described(unknown, "invalid_grant", words=INVALID_REFRESH_TOKEN)
    of_another_app = refresh(live_server, world.mall_id, world.other_web, tokens["refresh_token"])
    assert_described(of_another_app, "invalid_grant", words=INVALID_REFRESH_TOKEN)
    wider = refresh(
        live_server, world.mall_id, world.web, tokens["refresh_token"], scope="mall.write_order"
    )
    assert_described(wider, "invalid_scope")
    unknown_scope = refresh(
        live_server, world.mall_id, world.web, tokens["refresh_token"], scope="mall.nothing"
    )
    assert_described(unknown_scope, "invalid_scope")

    rotated = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]).json()
    reused = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert_described(reused, "invalid_grant", words=INVALID_REFRESH_TOKEN)
    revoked_family = refresh(live_server, world.mall_id, world.web, rotated["refresh_token"])
    assert_described(revoked_family, "invalid_grant", words=INVALID_REFRESH_TOKEN)


def test_expired_refresh_token_in_cafe24s_words(live_server, world, browser, configure, travel):
    configure(AUTHSERVER_REFRESH_TOKEN_TTL=1)
    code = browser.authorize(world.web)["code"]
    tokens = exchange(live_server, world.mall_id, world.web, code).json()
    travel(1.5)
    expired = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert_described(expired, "invalid_grant", words=INVALID_REFRESH_TOKEN)


def test_uninstalled_app(app, live_server, world, tokens):
    with app.app_context():
        db.session.execute(db.delete(Installation))
        db.session.commit()
    uninstalled = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert_described(uninstalled, "invalid_grant", words="Uninstalled app.")


def test_revocation_and_introspection_errors(live_server, world, tokens):
    assert_described(revoke(live_server, world.mall_id, world.web, None), "invalid_request")
    anonymous = revoke(live_server, world.mall_id, None, tokens["access_token"])
    assert_described(anonymous, "invalid_client", 401)
    own = (world.web.client_id, world.web.client_secret)
    assert_described(introspect(live_server, world.mall_id, None, auth=own), "invalid_request")
    wrong = introspect(live_server, world.mall_id, "x", auth=(world.web.client_id, "no"))
    assert_described(wrong, "invalid_client", 401)
    native = introspect(live_server, world.mall_id, "x", client_id=world.native.client_id)
    assert_described(native, "invalid_client", 401)
