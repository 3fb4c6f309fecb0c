"""Revocation (RFC 7009) through the live server: SECURITY.md R1-R9, R11, CAFE24.md §4."""

from __future__ import annotations

import requests

from authserver.extensions import db
from authserver.models import AuditEvent

from .helpers import refresh
from .oauth_helpers import introspect, is_active, oauth_url, obtain_tokens, revoke
from .test_database_faults import failing_statements


def _tokens(live_server, world, client=None):
    return obtain_tokens(live_server, world.mall_id, client or world.web)


def test_revoking_refresh_token_stops_refresh_and_kills_its_access_token(
    live_server, world, gateway
):
    """R1 and R8: revoke RT -> refresh fails, and the AT of the same grant is dead too."""
    tokens = _tokens(live_server, world)
    response = revoke(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.json() == {}
    again = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_revoking_access_token_revokes_its_refresh_token(live_server, world, gateway):
    """R1 and DESIGN.md: revoking an access token revokes its refresh token (Cafe24)."""
    tokens = _tokens(live_server, world)
    assert revoke(live_server, world.mall_id, world.web, tokens["access_token"]).status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])
    assert not is_active(live_server, world.mall_id, gateway, tokens["refresh_token"])
    assert (
        refresh(live_server, world.mall_id, world.web, tokens["refresh_token"]).status_code == 400
    )


def test_revoking_after_rotation_kills_every_token_of_the_grant(live_server, world, gateway):
    """R8: the whole family goes, including access tokens issued before the rotation."""
    first = _tokens(live_server, world)
    second = refresh(live_server, world.mall_id, world.web, first["refresh_token"]).json()
    assert is_active(live_server, world.mall_id, gateway, first["access_token"])
    revoke(live_server, world.mall_id, world.web, second["refresh_token"])
    for token in (first["access_token"], second["access_token"], second["refresh_token"]):
        assert not is_active(live_server, world.mall_id, gateway, token)


def test_other_grants_survive_a_revocation(live_server, world, gateway):
    one = _tokens(live_server, world)
    two = _tokens(live_server, world)
    revoke(live_server, world.mall_id, world.web, one["access_token"])
    assert is_active(live_server, world.mall_id, gateway, two["access_token"])
    assert is_active(live_server, world.mall_id, gateway, two["refresh_token"])


def test_missing_token_is_invalid_request(live_server, world):
    """R2: ``token`` is required (and not repeated)."""
    response = revoke(live_server, world.mall_id, world.web, None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    repeated = requests.post(
        oauth_url(live_server, world.mall_id, "revoke"),
        data=[("token", "a"), ("token", "b")],
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"


def test_get_and_jsonp_are_405(live_server, world):
    """R11 (and R2's POST): no GET, no JSONP."""
    response = requests.get(
        oauth_url(live_server, world.mall_id, "revoke"),
        params={"token": "x", "callback": "f"},
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("application/json")
    assert not response.text.startswith("f(")


def test_no_or_bad_credentials_are_401_and_the_token_stays_valid(live_server, world, gateway):
    """R3: the client authenticates as at the token endpoint; failure changes nothing."""
    tokens = _tokens(live_server, world)
    url = oauth_url(live_server, world.mall_id, "revoke")
    attempts = [
        {"data": {"token": tokens["access_token"]}},
        {"data": {"token": tokens["access_token"]}, "auth": (world.web.client_id, "wrong")},
        {
            "data": {
                "token": tokens["access_token"],
                "client_id": world.web.client_id,
                "client_secret": "wrong",
            }
        },
        # A web app may not fall back to client_id alone.
        {"data": {"token": tokens["access_token"], "client_id": world.web.client_id}},
        # Gateways introspect; they do not revoke.
        {"data": {"token": tokens["access_token"]}, "auth": gateway},
    ]
    for attempt in attempts:
        response = requests.post(url, **attempt)
        assert response.status_code == 401, attempt
        assert response.json()["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_token_of_another_app_is_unauthorized_client_and_untouched(live_server, world, gateway):
    """R4 (decided: an error, not a silent 200): 400 unauthorized_client; the token works."""
    theirs = _tokens(live_server, world, world.other_web)
    for token in (theirs["access_token"], theirs["refresh_token"]):
        response = revoke(live_server, world.mall_id, world.web, token)
        assert response.status_code == 400
        assert response.json()["error"] == "unauthorized_client"
    assert is_active(live_server, world.mall_id, gateway, theirs["access_token"])
    assert refresh(live_server, world.mall_id, world.other_web, theirs["refresh_token"]).ok


def test_unknown_token_is_200(live_server, world):
    """R5: an invalid or unknown token answers 200 (nothing to revoke)."""
    for token in ("garbage", "x" * 5000, "\u00e9\u00e8"):
        response = revoke(live_server, world.mall_id, world.web, token)
        assert response.status_code == 200
        assert response.json() == {}


def test_revoking_twice_is_200(live_server, world):
    tokens = _tokens(live_server, world)
    assert revoke(live_server, world.mall_id, world.web, tokens["access_token"]).status_code == 200
    assert revoke(live_server, world.mall_id, world.web, tokens["access_token"]).status_code == 200


def test_wrong_hint_still_finds_and_revokes_the_token(live_server, world, gateway):
    """R6: the refresh token sent with ``token_type_hint=access_token`` is revoked."""
    tokens = _tokens(live_server, world)
    response = revoke(
        live_server,
        world.mall_id,
        world.web,
        tokens["refresh_token"],
        token_type_hint="access_token",
    )
    assert response.status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, tokens["refresh_token"])


def test_unknown_hint_is_ignored(live_server, world, gateway):
    """R6: ``token_type_hint=foo`` is a 200 and revokes (Authlib's default refuses it)."""
    tokens = _tokens(live_server, world)
    response = revoke(
        live_server, world.mall_id, world.web, tokens["access_token"], token_type_hint="foo"
    )
    assert response.status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_cafe24_token_hint_is_accepted(live_server, world, gateway):
    """CAFE24.md §4: ``token_hint`` (access_token, refresh_token, id_token)."""
    for hint in ("refresh_token", "access_token", "id_token"):
        tokens = _tokens(live_server, world)
        response = revoke(
            live_server, world.mall_id, world.web, tokens["refresh_token"], token_hint=hint
        )
        assert response.status_code == 200, hint
        assert not is_active(live_server, world.mall_id, gateway, tokens["refresh_token"])
        assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_revocation_takes_effect_immediately(live_server, world, gateway):
    """R7: right after the 200, introspection says inactive and refresh fails."""
    tokens = _tokens(live_server, world)
    revoke(live_server, world.mall_id, world.web, tokens["access_token"])
    assert introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).json() == {
        "active": False
    }


def test_client_secret_post_revokes(live_server, world, gateway):
    tokens = _tokens(live_server, world)
    response = requests.post(
        oauth_url(live_server, world.mall_id, "revoke"),
        data={
            "token": tokens["access_token"],
            "client_id": world.web.client_id,
            "client_secret": world.web.client_secret,
        },
    )
    assert response.status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_basic_and_body_secret_together_is_invalid_request(live_server, world, gateway):
    tokens = _tokens(live_server, world)
    response = requests.post(
        oauth_url(live_server, world.mall_id, "revoke"),
        data={"token": tokens["access_token"], "client_secret": world.web.client_secret},
        auth=(world.web.client_id, world.web.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_native_app_revokes_its_own_tokens_with_client_id_alone(live_server, world, gateway):
    """Decided: a public client sends ``client_id`` alone, as at the token endpoint."""
    tokens = _tokens(live_server, world, world.native)
    response = revoke(live_server, world.mall_id, world.native, tokens["refresh_token"])
    assert response.status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, tokens["access_token"])


def test_native_app_cannot_revoke_another_apps_token(live_server, world, gateway):
    """Issue 16 item 9: a public client is answered as for an unknown token (200)."""
    theirs = _tokens(live_server, world)
    response = revoke(live_server, world.mall_id, world.native, theirs["access_token"])
    assert response.status_code == 200
    assert is_active(live_server, world.mall_id, gateway, theirs["access_token"])


def test_revocation_is_audited_without_the_token(live_server, world, app):
    tokens = _tokens(live_server, world)
    revoke(live_server, world.mall_id, world.web, tokens["access_token"])
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == "token_revoked")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.client_id == world.web.client_id
        assert event.mall_id == world.mall_id
        assert event.detail["token_type"] == "access_token"
        dumped = repr(event.detail) + (event.actor or "")
        assert tokens["access_token"] not in dumped
        assert tokens["refresh_token"] not in dumped


def test_database_failure_is_503_never_200(app, live_server, world, gateway):
    """R9: a 200 would tell the client the token is gone; a 503 says try again."""
    tokens = _tokens(live_server, world)

    with failing_statements(app):
        response = revoke(live_server, world.mall_id, world.web, tokens["access_token"])
        down = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"]
    assert down.status_code == 503
    assert b"active" not in down.content
    assert is_active(live_server, world.mall_id, gateway, tokens["access_token"])
