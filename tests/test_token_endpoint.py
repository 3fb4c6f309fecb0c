"""The code exchange (RFC 6749 §4.1.3-§5.2, DESIGN.md "Token response" and "Details decided")."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

import pytest
import requests

from authserver.extensions import db
from authserver.models import AuditEvent, AuthorizationCode, Token

from .helpers import Browser, exchange, pkce_pair, refresh, token_url


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


@pytest.fixture
def code(browser, world) -> str:
    return browser.authorize(world.web)["code"]


def _post(live_server, world, data, **kwargs):
    return requests.post(token_url(live_server, world.mall_id), data=data, **kwargs)


def _code_data(world, code):
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": world.web.redirect_uri,
    }


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")


def test_token_response_is_cafe24s_superset(live_server, world, code):
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {
        "access_token", "token_type", "expires_in", "expires_at", "refresh_token",
        "refresh_token_expires_at", "scope", "scopes", "client_id", "mall_id", "user_id",
        "shop_no", "issued_at",
    }  # fmt: skip
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == " ".join(world.web.scopes)
    assert body["scopes"] == world.web.scopes
    assert body["client_id"] == world.web.client_id
    assert body["mall_id"] == world.mall_id
    assert body["user_id"] == "owner"
    assert body["shop_no"] == "1"
    issued, expires = _parse(body["issued_at"]), _parse(body["expires_at"])
    assert (expires - issued).total_seconds() == body["expires_in"]
    assert (_parse(body["refresh_token_expires_at"]) - issued).days == 14
    assert len(body["issued_at"]) == len("2026-11-26T12:00:00.000")
    for value in (body["access_token"], body["refresh_token"]):
        assert len(value) >= 27 and value.isalnum()  # >= 160 bits of base62


def _offset_from_utc(stamp: str) -> float:
    return (_parse(stamp) - datetime.now(UTC).replace(tzinfo=None)).total_seconds()


def test_timestamps_default_to_cafe24s_zone(app, live_server, world, code):
    assert app.config["AUTHSERVER_TIMEZONE"] == "Asia/Seoul"  # nothing configured: Cafe24's
    body = exchange(live_server, world.mall_id, world.web, code).json()
    assert abs(_offset_from_utc(body["issued_at"]) - 9 * 3600) < 120


def test_timestamps_follow_the_configured_time_zone(live_server, world, browser, configure):
    configure(AUTHSERVER_TIMEZONE="UTC")
    body = exchange(live_server, world.mall_id, world.web, browser.authorize(world.web)["code"])
    assert abs(_offset_from_utc(body.json()["issued_at"])) < 120
    configure(AUTHSERVER_TIMEZONE="America/St_Johns")  # -03:30 in winter, -02:30 in summer
    body = exchange(live_server, world.mall_id, world.web, browser.authorize(world.web)["code"])
    assert round(_offset_from_utc(body.json()["issued_at"]) / 1800) in (-7, -5)


def test_client_secret_post_works(live_server, world, code):
    data = _code_data(world, code) | {
        "client_id": world.web.client_id,
        "client_secret": world.web.client_secret,
    }
    assert _post(live_server, world, data).status_code == 200


def test_basic_and_post_credentials_together_are_invalid_request(live_server, world, code):
    data = _code_data(world, code) | {"client_secret": world.web.client_secret}
    response = _post(live_server, world, data, auth=(world.web.client_id, world.web.client_secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_secret_with_basic_is_401_and_keeps_the_code(live_server, world, code):
    response = _post(live_server, world, _code_data(world, code), auth=(world.web.client_id, "x"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert "no-store" in response.headers["Cache-Control"]
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_wrong_secret_in_the_body_is_400_invalid_client(live_server, world, code):
    data = _code_data(world, code) | {"client_id": world.web.client_id, "client_secret": "x"}
    response = _post(live_server, world, data)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_garbage_basic_headers_are_invalid_client(live_server, world, code):
    for header in ["Basic", "Basic !!!", "Basic " + base64.b64encode(b"\xff\xfe:x").decode()]:
        response = _post(
            live_server, world, _code_data(world, code), headers={"Authorization": header}
        )
        assert response.status_code in (400, 401), header
        assert response.json()["error"] in ("invalid_client", "invalid_request")


def test_secret_in_the_query_string_does_not_authenticate(live_server, world, code):
    url = token_url(live_server, world.mall_id) + f"?client_secret={world.web.client_secret}"
    data = _code_data(world, code) | {"client_id": world.web.client_id}
    response = requests.post(url, data=data)
    assert response.status_code in (400, 401)
    assert "access_token" not in response.text


def test_get_is_not_allowed(live_server, world):
    response = requests.get(token_url(live_server, world.mall_id))
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "grant_type, error",
    [(None, "invalid_request"), ("foo", "unsupported_grant_type"),
     ("password", "unsupported_grant_type"), ("client_credentials", "unsupported_grant_type")],
)  # fmt: skip
def test_unsupported_grant_types(live_server, world, grant_type, error):
    data = {"grant_type": grant_type} if grant_type else {}
    response = _post(live_server, world, data, auth=(world.web.client_id, world.web.client_secret))
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_repeated_parameters_are_invalid_request(live_server, world, code):
    response = requests.post(
        token_url(live_server, world.mall_id),
        data=list(_code_data(world, code).items()) + [("code", code)],
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_missing_code_is_invalid_request(live_server, world):
    data = {"grant_type": "authorization_code", "redirect_uri": world.web.redirect_uri}
    response = _post(live_server, world, data, auth=(world.web.client_id, world.web.client_secret))
    assert response.json()["error"] == "invalid_request"


def test_unknown_code_is_invalid_grant(live_server, world):
    response = exchange(live_server, world.mall_id, world.web, "not-a-code")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_replay_revokes_its_tokens(live_server, world, code):
    first = exchange(live_server, world.mall_id, world.web, code).json()
    replay = exchange(live_server, world.mall_id, world.web, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    after = refresh(live_server, world.mall_id, world.web, first["refresh_token"])
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"


def test_expired_code_is_invalid_grant(live_server, world, browser, configure, travel):
    configure(AUTHSERVER_CODE_TTL=1)
    code = browser.authorize(world.web)["code"]
    travel(1.5)
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Code time expired"}


def test_code_is_bound_to_its_client(live_server, world, code):
    response = exchange(
        live_server, world.mall_id, world.other_web, code, redirect_uri=world.web.redirect_uri
    )
    assert response.json()["error"] == "invalid_grant"
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


@pytest.mark.parametrize(
    "redirect_uri", [None, "https://app.example/cb?x", "https://app.example/other"]
)
def test_code_is_bound_to_its_redirect_uri(live_server, world, code, redirect_uri):
    data = _code_data(world, code)
    data.pop("redirect_uri")
    if redirect_uri:
        data["redirect_uri"] = redirect_uri
    response = _post(live_server, world, data, auth=(world.web.client_id, world.web.client_secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_mall(app, live_server, world, code):
    from .helpers import add_mall

    with app.app_context():
        add_mall("othermall")
    response = exchange(live_server, "othermall", world.web, code)
    assert response.json()["error"] == "invalid_grant"


def test_unknown_mall_token_endpoint_is_404_json(live_server, world):
    response = requests.post(token_url(live_server, "nomall"), data={"grant_type": "x"})
    assert response.status_code == 404
    assert response.json()["error"] == "invalid_request"


def test_uninstalled_app_cannot_exchange(app, live_server, world, code):
    from authserver.models import Installation

    with app.app_context():
        db.session.execute(db.delete(Installation))
        db.session.commit()
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.json()["error"] == "invalid_grant"
    assert "Uninstalled app" in response.json()["error_description"]


def test_database_holds_only_digests(app, live_server, world, code):
    body = exchange(live_server, world.mall_id, world.web, code).json()
    with app.app_context():
        row = db.session.scalar(db.select(Token))
        stored = " ".join(str(v) for v in row.__dict__.values())
        assert body["access_token"] not in stored and body["refresh_token"] not in stored
        code_row = db.session.scalar(db.select(AuthorizationCode))
        assert code not in " ".join(str(v) for v in code_row.__dict__.values())
        from authserver.models import App

        app_row = db.session.scalar(db.select(App).where(App.client_id == world.web.client_id))
        assert world.web.client_secret not in app_row.client_secret_encrypted
        assert app_row.client_secret == world.web.client_secret


def test_error_descriptions_use_rfc6749_characters_only(live_server, world):
    response = exchange(live_server, world.mall_id, world.web, 'bad"code\\')
    description = response.json()["error_description"]
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in description)


def test_plain_http_is_refused_off_loopback(live_server, world, code, configure):
    """RFC 6749 §3.1-§3.2: https only; plain http only on the loopback development server.
    The host is a trusted one (issue 16 item 5: any other Host is a 400 before this rule)."""
    configure(TRUSTED_HOSTS=["auth.example.com", "127.0.0.1"])
    headers = {"Host": "auth.example.com"}
    response = _post(
        live_server,
        world,
        _code_data(world, code),
        auth=(world.web.client_id, world.web.client_secret),
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    authorize = requests.get(
        f"{live_server}/malls/{world.mall_id}/api/v2/oauth/authorize?client_id=x",
        headers=headers,
        allow_redirects=False,
    )
    assert authorize.status_code == 301
    assert authorize.headers["Location"].startswith("https://auth.example.com/")
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def _between_lookup_and_consume(monkeypatch, change):
    """Commit ``change`` after the code was looked up (the token is already made then) and
    just before it is consumed, as a concurrent request would."""
    from authserver.store import codes

    real_redeem = codes.redeem

    def redeem(code, make_rows):
        change()
        db.session.commit()
        return real_redeem(code, make_rows)

    monkeypatch.setattr(codes, "redeem", redeem)


def test_scopes_narrowed_before_the_consume_narrow_the_token(
    app, live_server, world, code, monkeypatch
):
    from authserver.models import Installation

    kept = world.web.scopes[0]
    _between_lookup_and_consume(
        monkeypatch, lambda: db.session.execute(db.update(Installation).values(scope=kept))
    )
    body = exchange(live_server, world.mall_id, world.web, code).json()
    assert body["scope"] == kept and body["scopes"] == [kept]
    with app.app_context():
        row = Token.by_access_token(body["access_token"])
        assert row.scope == kept and row.grant_scope == kept


def test_uninstall_before_the_consume_leaves_the_code_unused(
    app, live_server, world, code, monkeypatch
):
    from authserver.models import Installation

    _between_lookup_and_consume(monkeypatch, lambda: db.session.execute(db.delete(Installation)))
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.json()["error"] == "invalid_grant"
    assert "Uninstalled app" in response.json()["error_description"]
    with app.app_context():
        assert db.session.scalar(db.select(AuthorizationCode.used_at)) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Token)) == 0


@pytest.mark.parametrize("kind", ["web", "native"])
def test_a_code_exchange_consumes_the_code_and_writes_the_token_and_its_audit(
    app, live_server, world, browser, kind
):
    """An exchange writes three things together (store/codes.py): the code's consume, the
    token row and the audit row. Web apps authenticate with Basic, native apps name themselves
    in the body. How many statements that takes is not the contract (introspection's is)."""
    client = getattr(world, kind)
    verifier, challenge = pkce_pair()
    code = browser.authorize(client, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(live_server, world.mall_id, client, code["code"], code_verifier=verifier)
    assert response.status_code == 200, response.text
    with app.app_context():
        assert db.session.scalar(db.select(AuthorizationCode.used_at)) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(Token)) == 1
        events = db.session.scalars(db.select(AuditEvent.event)).all()
        assert events.count("token_issued") == 1
    again = exchange(live_server, world.mall_id, client, code["code"], code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_failed_exchange_writes_nothing(app, live_server, world, code):
    """A wrong secret, an unknown code and a wrong redirect URI change nothing: the code stays
    unused, no token and no audit row is written."""
    with app.app_context():
        audit_before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    wrong_secret = {"auth": (world.web.client_id, "not-the-secret")}
    right = {"auth": (world.web.client_id, world.web.client_secret)}
    cases = [
        (_code_data(world, code), wrong_secret, 401),
        ({**_code_data(world, code), "code": "unknown"}, right, 400),
        ({**_code_data(world, code), "redirect_uri": "https://app.example/other"}, right, 400),
    ]
    for data, auth, status in cases:
        response = _post(live_server, world, data, **auth)
        assert response.status_code == status, response.text
    with app.app_context():
        assert db.session.scalar(db.select(AuthorizationCode.used_at)) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Token)) == 0
        audit = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        assert audit == audit_before
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_the_client_is_a_frozen_value_outside_the_session(app, world):
    """Authlib's endpoints get a plain row of the app (store/clients.py), never an ORM entity,
    so no relationship can cascade it into the session; its repr (Authlib's debug log prints
    it) holds no secret, and the App Secret is still checked against the encrypted column."""
    from authserver.oauth.server import authorization_server
    from authserver.store.clients import Client

    with app.test_request_context():
        client = authorization_server.query_client(world.web.client_id)
        assert isinstance(client, Client) and len(db.session.identity_map) == 0
        assert client.check_client_secret(world.web.client_secret)
        assert not client.check_client_secret(world.web.client_secret[:-1] + "?")
        assert client.client_secret_encrypted not in repr(client)
        assert world.web.client_secret not in repr(client)
        with pytest.raises(dataclasses.FrozenInstanceError):
            client.scope = "mall.write_product"  # type: ignore[misc]
        assert authorization_server.query_client("unknown") is None
