"""The scopes a token may use now, one rule for every surface (issue 16, item 2; DESIGN.md): the
token's scopes ∩ the installation's ∩ the app's current permissions, as introspection (access
and refresh tokens, asked by a gateway or by the app), the Admin API, the gateway check,
refresh and a newly issued JWT's ``scope`` claim all report it."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import update

from authserver.extensions import db
from authserver.models import App

from .admin_api_support import Api
from .devcenter import post_form
from .gateway_support import gateway_check
from .helpers import refresh
from .oauth_helpers import introspect, obtain_tokens
from .test_developer_permissions import boxes, permissions_url

REMOVED = "mall.read_product"


def untick(developer_client, client, scope: str) -> list[str]:
    """Untick ``scope`` on the app's Developer Center permission page; the scopes kept."""
    kept = [s for s in client.scopes if s != scope]
    response = post_form(developer_client, permissions_url(client.client_id), boxes(*kept))
    assert response.status_code == 303
    return kept


def introspected_scope(live_server, world, token: str, caller) -> list[str]:
    answer = introspect(live_server, world.mall_id, token, auth=caller).json()
    assert answer["active"] is True, answer
    return answer["scope"].split()


def test_introspection_reports_a_removed_permission_gone(
    live_server, developer_client, world, gateway
):
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    assert REMOVED in tokens["scopes"]
    kept = untick(developer_client, world.web, REMOVED)
    own = (world.web.client_id, world.web.client_secret)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        for caller in (gateway, own):
            assert introspected_scope(live_server, world, token, caller) == kept


def jwt_claims(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


@pytest.mark.parametrize("removal", ["developer_center", "app_permissions_only"])
def test_every_surface_applies_the_same_rule(
    app, live_server, developer_client, world, gateway, removal
):
    """``developer_center``: unticked on the permission page (installations narrowed too).
    ``app_permissions_only``: the app's permissions changed while the installation still
    grants the scope, so only the app's current permissions can take it away."""
    switched = app.test_cli_runner().invoke(
        args=["app", "token-format", world.web.client_id, "jwt"]
    )
    assert switched.exit_code == 0, switched.output
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    assert jwt_claims(tokens["access_token"])["scope"].split() == world.web.scopes
    if removal == "developer_center":
        kept = untick(developer_client, world.web, REMOVED)
    else:
        kept = [s for s in world.web.scopes if s != REMOVED]
        with app.app_context():
            db.session.execute(
                update(App).where(App.client_id == world.web.client_id).values(scope=" ".join(kept))
            )
            db.session.commit()
    access, own = tokens["access_token"], (world.web.client_id, world.web.client_secret)

    # Introspection, of both tokens, by a gateway and by the app.
    for token in (access, tokens["refresh_token"]):
        for caller in (gateway, own):
            assert introspected_scope(live_server, world, token, caller) == kept
    # The gateway check names the caller's scopes, and refuses the removed one.
    allowed = gateway_check(live_server, gateway, access, uri="/malls/testmall/api/v2/admin/orders")
    assert allowed.status_code == 200, allowed.text
    assert sorted(allowed.headers["X-Auth-Scopes"].split()) == sorted(kept)
    refused = gateway_check(live_server, gateway, access)  # GET products: mall.read_product
    assert refused.status_code == 403
    # The Admin API: the removed scope is a 404, a kept one answers.
    api = Api(live_server, world.mall_id, access)
    missing = api.get("products")
    assert missing.status_code == 404
    assert missing.json()["error"]["more_info"] == {"required_scope": REMOVED}
    assert api.get("orders").status_code == 200
    # Refresh issues narrowed tokens, the new JWT's claim included, and they agree again.
    refreshed = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["scopes"] == kept and new["scope"] == " ".join(kept)
    assert jwt_claims(new["access_token"])["scope"] == " ".join(kept)
    for token in (new["access_token"], new["refresh_token"]):
        assert introspected_scope(live_server, world, token, gateway) == kept
