"""Introspection (RFC 7662) via the live server: SECURITY.md I1-I9, DESIGN.md "Introspection"."""

from __future__ import annotations

import base64
import time

import requests
from sqlalchemy import Engine

from authserver.extensions import db

from .helpers import Browser, Statements, add_app, add_mall, refresh
from .oauth_helpers import introspect, oauth_url, obtain_tokens, revoke

DESIGN_FIELDS = {
    "active",
    "scope",
    "client_id",
    "mall_id",
    "user_id",
    "sub",
    "token_type",
    "exp",
    "iat",
    "iss",
}
INACTIVE = b'{"active": false}'


def _tokens(live_server, world, client=None):
    return obtain_tokens(live_server, world.mall_id, client or world.web)


def test_gateway_sees_active_access_token_with_design_fields(live_server, world, gateway):
    """I4: DESIGN.md's fields, integer exp/iat, iss = the mall's issuer, no-store."""
    tokens = _tokens(live_server, world)
    response = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert set(body) == DESIGN_FIELDS
    assert body["active"] is True
    assert body["scope"] == " ".join(world.web.scopes)
    assert body["client_id"] == world.web.client_id
    assert body["mall_id"] == world.mall_id
    assert body["user_id"] == body["sub"] == "owner"
    assert body["token_type"] == "Bearer"
    assert isinstance(body["exp"], int) and isinstance(body["iat"], int)
    assert body["exp"] - body["iat"] == 7200
    assert abs(body["iat"] - time.time()) < 60
    assert body["iss"] == f"{live_server}/malls/{world.mall_id}"


def test_no_credentials_is_401_and_never_active(live_server, world):
    """I1: the endpoint requires caller authentication (anti token scanning)."""
    tokens = _tokens(live_server, world)
    response = introspect(live_server, world.mall_id, tokens["access_token"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert b"active" not in response.content


def test_wrong_gateway_secret_is_401_invalid_client_with_basic_challenge(
    live_server, world, gateway
):
    """I6: bad caller credentials are 401 invalid_client, WWW-Authenticate: Basic."""
    tokens = _tokens(live_server, world)
    response = introspect(
        live_server, world.mall_id, tokens["access_token"], auth=(gateway[0], "wrong")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert b"active" not in response.content


def test_wrong_web_app_secret_in_body_is_401(live_server, world):
    tokens = _tokens(live_server, world)
    response = introspect(
        live_server,
        world.mall_id,
        tokens["access_token"],
        client_id=world.web.client_id,
        client_secret="wrong",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_malformed_basic_headers_are_401_never_5xx(live_server, world):
    url = oauth_url(live_server, world.mall_id, "introspect")
    headers = [
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":").decode(),
        "Bearer abc",
    ]
    for value in headers:
        response = requests.post(url, data={"token": "x"}, headers={"Authorization": value})
        assert response.status_code == 401, (value, response.text)
        assert response.json()["error"] == "invalid_client"


def test_get_is_405_and_missing_or_repeated_token_is_invalid_request(live_server, world, gateway):
    """I3: POST only (tokens stay out of URLs and logs); ``token`` is required, once."""
    url = oauth_url(live_server, world.mall_id, "introspect")
    got = requests.get(url, params={"token": "x"}, auth=gateway)
    assert got.status_code == 405
    assert got.json()["error"] == "invalid_request"
    missing = introspect(live_server, world.mall_id, None, auth=gateway)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    empty = introspect(live_server, world.mall_id, "", auth=gateway)
    assert empty.status_code == 400
    repeated = requests.post(url, data=[("token", "a"), ("token", "b")], auth=gateway)
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"


def test_inactive_answers_are_byte_identical(live_server, world, gateway, configure, travel):
    """I5: unknown, revoked, expired, rotated-out and not-the-caller's tokens all answer
    exactly ``{"active": false}``, the same bytes."""
    configure(AUTHSERVER_ACCESS_TOKEN_TTL=1)
    expired = _tokens(live_server, world)
    configure(AUTHSERVER_ACCESS_TOKEN_TTL=7200)
    revoked = _tokens(live_server, world)
    assert revoke(live_server, world.mall_id, world.web, revoked["access_token"]).status_code == 200
    rotated = _tokens(live_server, world)
    assert refresh(live_server, world.mall_id, world.web, rotated["refresh_token"]).ok
    others = _tokens(live_server, world, world.other_web)
    travel(1.5)

    bodies = [
        introspect(live_server, world.mall_id, "no-such-token", auth=gateway),
        introspect(live_server, world.mall_id, "x" * 5000, auth=gateway),
        introspect(live_server, world.mall_id, expired["access_token"], auth=gateway),
        introspect(live_server, world.mall_id, revoked["access_token"], auth=gateway),
        introspect(live_server, world.mall_id, revoked["refresh_token"], auth=gateway),
        introspect(live_server, world.mall_id, rotated["refresh_token"], auth=gateway),
        # A web app asking about another app's live token.
        introspect(
            live_server,
            world.mall_id,
            others["access_token"],
            auth=(world.web.client_id, world.web.client_secret),
        ),
    ]
    for response in bodies:
        assert response.status_code == 200
        assert response.content == INACTIVE
    assert introspect(live_server, world.mall_id, others["access_token"], auth=gateway).json()[
        "active"
    ]


def test_revoked_token_is_inactive_at_once_no_server_cache(live_server, world, gateway):
    """I7 and I8: revocation shows on the very next introspection; the server caches nothing."""
    tokens = _tokens(live_server, world)
    assert introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).json()[
        "active"
    ]
    revoke(live_server, world.mall_id, world.web, tokens["access_token"])
    response = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway)
    assert response.content == INACTIVE
    assert "no-store" in response.headers["Cache-Control"]


def test_refresh_token_has_its_own_lifetime(live_server, world, gateway, configure, travel):
    """I9: after the access token expires, the refresh token still introspects active."""
    configure(AUTHSERVER_ACCESS_TOKEN_TTL=1)
    tokens = _tokens(live_server, world)
    travel(1.5)
    assert introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).content == (
        INACTIVE
    )
    body = introspect(
        live_server,
        world.mall_id,
        tokens["refresh_token"],
        auth=gateway,
        token_type_hint="refresh_token",
    ).json()
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["exp"] - body["iat"] == 14 * 24 * 3600


def test_hint_is_only_a_hint(live_server, world, gateway):
    """RFC 7009 §2.1 rule (RFC 7662 §2.1): a wrong or unknown hint still finds the token."""
    tokens = _tokens(live_server, world)
    for token, kind in ((tokens["access_token"], "Bearer"), (tokens["refresh_token"], None)):
        for hint in ("access_token", "refresh_token", "id_token", "bogus", ""):
            for field in ("token_type_hint", "token_hint"):
                body = introspect(
                    live_server, world.mall_id, token, auth=gateway, **{field: hint}
                ).json()
                assert body["active"] is True, (hint, field)
                assert body["token_type"] == (kind or "refresh_token")


def test_web_app_introspects_only_its_own_tokens(live_server, world):
    """I2: a web app (Basic or body credentials) sees its own tokens, never another app's."""
    mine = _tokens(live_server, world)
    theirs = _tokens(live_server, world, world.other_web)
    basic = introspect(
        live_server,
        world.mall_id,
        mine["access_token"],
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert basic.json()["active"] is True
    post = introspect(
        live_server,
        world.mall_id,
        mine["refresh_token"],
        client_id=world.web.client_id,
        client_secret=world.web.client_secret,
    )
    assert post.json()["active"] is True
    other = introspect(
        live_server,
        world.mall_id,
        theirs["access_token"],
        client_id=world.web.client_id,
        client_secret=world.web.client_secret,
    )
    assert other.content == INACTIVE


def test_native_app_cannot_introspect(live_server, world):
    """DESIGN.md: native apps never introspect, not even with their App Secret."""
    tokens = _tokens(live_server, world, world.native)
    for kwargs in (
        {"client_id": world.native.client_id},
        {"auth": (world.native.client_id, world.native.client_secret)},
        {"client_id": world.native.client_id, "client_secret": world.native.client_secret},
    ):
        response = introspect(live_server, world.mall_id, tokens["access_token"], **kwargs)
        assert response.status_code == 401, kwargs
        assert response.json()["error"] == "invalid_client"


def test_basic_and_body_credentials_together_are_invalid_request(live_server, world):
    tokens = _tokens(live_server, world)
    response = introspect(
        live_server,
        world.mall_id,
        tokens["access_token"],
        auth=(world.web.client_id, world.web.client_secret),
        client_secret=world.web.client_secret,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_gateway_sees_tokens_of_any_mall_with_that_malls_issuer(live_server, world, gateway, app):
    """A gateway may introspect any mall's token at any mall's endpoint; ``iss`` and
    ``mall_id`` name the token's mall. A web app sees its own tokens of every mall too."""
    with app.app_context():
        from authserver.models import Developer

        developer = db.session.scalar(db.select(Developer))
        add_mall("secondmall", test_mall_of=developer)
    browser = Browser(live_server, "secondmall")
    browser.login()
    tokens = obtain_tokens(live_server, "secondmall", world.web, browser)
    body = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).json()
    assert body["active"] is True
    assert body["mall_id"] == "secondmall"
    assert body["iss"] == f"{live_server}/malls/secondmall"
    own = introspect(
        live_server,
        world.mall_id,
        tokens["access_token"],
        auth=(world.web.client_id, world.web.client_secret),
    ).json()
    assert own["active"] is True and own["mall_id"] == "secondmall"


def test_unknown_mall_is_404_json(live_server, gateway):
    response = introspect(live_server, "nosuchmall", "x", auth=gateway)
    assert response.status_code == 404
    assert response.json()["error"] == "invalid_request"


def test_non_utf8_body_is_not_a_5xx(live_server, world, gateway):
    response = requests.post(
        oauth_url(live_server, world.mall_id, "introspect"),
        data=b"token=%ff%fe%80&token_type_hint=%c3%28",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=gateway,
    )
    assert response.status_code == 200
    assert response.content == INACTIVE


def test_scope_of_an_added_app_token(live_server, world, gateway, app):
    """The answer's scope is the token's, in catalogue order, space-separated."""
    with app.app_context():
        from authserver.models import Developer

        developer = db.session.scalar(db.select(Developer))
        narrow = add_app(developer, name="Narrow", scope_list=["mall.read_order"])
    tokens = _tokens(live_server, world, narrow)
    body = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).json()
    assert body["scope"] == "mall.read_order"
    assert body["client_id"] == narrow.client_id


def test_a_gateway_introspection_is_one_statement(app, live_server, world, gateway):
    """The contract (README "Performance"): one round trip for a gateway's introspection of an
    access token, the mall, the gateway and the token read together (store/prime.py).
    Counted on every engine of the process, so which engine runs it is not pinned; the brute-force
    limiter's read of its own SQLite file (security/ratelimit.py) is no database round trip."""
    tokens = _tokens(live_server, world)
    introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway)  # warm up
    with Statements(Engine, ignore=app.config["AUTHSERVER_RATELIMIT_PATH"]) as every:
        answer = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway)
    assert answer.json()["active"] is True
    assert every.count == 1
    answer = introspect(live_server, world.mall_id, tokens["refresh_token"], auth=gateway)
    assert answer.json()["active"] is True and answer.json()["token_type"] == "refresh_token"
    wrong = introspect(live_server, world.mall_id, tokens["access_token"], auth=(gateway[0], "x"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_epoch_seconds_are_the_whole_unix_seconds_of_naive_utc():
    """``exp``/``iat``: naive arithmetic gives what ``timestamp()`` of the UTC moment gives."""
    from datetime import UTC, datetime

    from authserver.models.base import epoch_seconds

    for moment in (
        datetime(1970, 1, 1, 0, 0, 1),
        datetime(2026, 11, 27, 3, 0, 5, 999_999),
        datetime(2038, 1, 19, 3, 14, 8, 1),
    ):
        assert epoch_seconds(moment) == int(moment.replace(tzinfo=UTC).timestamp())
        assert isinstance(epoch_seconds(moment), int)
