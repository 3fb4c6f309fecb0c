"""Revocation and introspection as oracles (issue 16 items 9 and 12; SECURITY.md R4, R10):
a public client's revocation of another app's token and a revocation at another mall answer as
for an unknown token and revoke nothing; revocation and apps' introspection are rate-limited per
client and per address, gateways' introspection is not."""

from __future__ import annotations

from sqlalchemy import select

from authserver.extensions import db
from authserver.models import Developer

from .helpers import add_mall, refresh
from .oauth_helpers import introspect, is_active, obtain_tokens, revoke


def _assert_slow_down(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "slow_down"
    assert int(response.headers["Retry-After"]) >= 1


def test_native_app_revoking_another_apps_token_is_answered_as_unknown(live_server, world, gateway):
    """Decided: a public client proves nothing, so it learns nothing (200, as for an unknown
    token) and nothing is revoked; a confidential client keeps RFC 7009 §2.1's refusal."""
    theirs = obtain_tokens(live_server, world.mall_id, world.web)
    for token in (theirs["access_token"], theirs["refresh_token"]):
        answer = revoke(live_server, world.mall_id, world.native, token)
        assert answer.status_code == 200, answer.text
        assert answer.content == revoke(live_server, world.mall_id, world.native, "x").content
    assert is_active(live_server, world.mall_id, gateway, theirs["access_token"])
    # A web app with its secret is still told the token is not its own, and revokes nothing.
    refused = revoke(live_server, world.mall_id, world.other_web, theirs["access_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"
    assert is_active(live_server, world.mall_id, gateway, theirs["access_token"])
    assert refresh(live_server, world.mall_id, world.web, theirs["refresh_token"]).ok


def test_revocation_at_another_mall_revokes_nothing(app, live_server, world, gateway):
    """Tokens belong to one mall: another mall's endpoint answers as for an unknown token,
    for the token's own app too; introspection still sees the token from any mall."""
    with app.app_context():
        developer = db.session.scalar(select(Developer).filter_by(email=world.developer))
        add_mall("othermall", test_mall_of=developer)
    web = obtain_tokens(live_server, world.mall_id, world.web)
    native = obtain_tokens(live_server, world.mall_id, world.native)
    for client, tokens in ((world.web, web), (world.native, native)):
        for token in (tokens["access_token"], tokens["refresh_token"]):
            assert revoke(live_server, "othermall", client, token).status_code == 200
        assert is_active(live_server, world.mall_id, gateway, tokens["access_token"])
        assert is_active(live_server, "othermall", gateway, tokens["access_token"])
    assert refresh(live_server, world.mall_id, world.web, web["refresh_token"]).ok
    assert refresh(live_server, world.mall_id, world.native, native["refresh_token"]).ok


def test_revocations_in_a_row_are_throttled_and_the_throttled_one_revokes_nothing(
    live_server, world, gateway, configure
):
    """120 revocations in a row by a native app (client_id alone): the default limit (60
    calls, one more a second) answers 429 slow_down before the end."""
    mine = obtain_tokens(live_server, world.mall_id, world.native)
    statuses = [
        revoke(live_server, world.mall_id, world.native, f"guess-{n}").status_code
        for n in range(120)
    ]
    assert 429 in statuses
    assert set(statuses) == {200, 429}
    # Stop the bucket draining, so the next call is throttled whatever the machine's speed.
    configure(AUTHSERVER_TOKEN_ENDPOINT_LEAK_PER_SECOND=1e-6)
    _assert_slow_down(revoke(live_server, world.mall_id, world.native, mine["access_token"]))
    assert is_active(live_server, world.mall_id, gateway, mine["access_token"])
    assert refresh(live_server, world.mall_id, world.native, mine["refresh_token"]).ok


def test_revocations_are_limited_per_address_too(live_server, world, configure):
    """Two apps from one address share the (endpoint, address) bucket."""
    configure(
        AUTHSERVER_TOKEN_ENDPOINT_BUCKET_SIZE=5, AUTHSERVER_TOKEN_ENDPOINT_LEAK_PER_SECOND=1e-6
    )
    for n in range(5):
        assert revoke(live_server, world.mall_id, world.native, f"guess-{n}").status_code == 200
    _assert_slow_down(revoke(live_server, world.mall_id, world.web, "guess"))


def test_introspection_by_apps_is_limited_and_by_gateways_is_not(
    live_server, world, gateway, configure
):
    configure(
        AUTHSERVER_TOKEN_ENDPOINT_BUCKET_SIZE=5, AUTHSERVER_TOKEN_ENDPOINT_LEAK_PER_SECOND=1e-6
    )
    token = obtain_tokens(live_server, world.mall_id, world.web)["access_token"]
    web = (world.web.client_id, world.web.client_secret)
    for _ in range(5):
        assert introspect(live_server, world.mall_id, token, auth=web).json()["active"]
    _assert_slow_down(introspect(live_server, world.mall_id, token, auth=web))
    for _ in range(20):
        assert is_active(live_server, world.mall_id, gateway, token)
