"""``GET /gateway/check`` over real HTTP: every answer of DESIGN.md "Gateway check".

Tokens come from the real flow; the check must decide as the Admin API does (same scope map,
same token authentication), so a few cases also call the Admin API and compare.
"""

from __future__ import annotations

import pytest
import requests

from authserver.admin_api import SCOPE_MAP

from .admin_api_support import Api, obtain_token
from .gateway_support import basic, gateway_check
from .oauth_helpers import revoke

URI = "/malls/testmall/api/v2/admin/products?limit=2"


@pytest.fixture
def token(live_server, world) -> str:
    return obtain_token(live_server, world.mall_id, world.web)["access_token"]


def test_in_scope_call_is_allowed_with_the_caller_in_headers(live_server, world, gateway, token):
    answer = gateway_check(live_server, gateway, token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Auth-Mall-Id"] == "testmall"
    assert answer.headers["X-Auth-Client-Id"] == world.web.client_id
    assert answer.headers["X-Auth-User-Id"] == "owner"
    assert answer.headers["X-Auth-Scopes"].split() == sorted(world.web.scopes)
    assert 0 < int(answer.headers["X-Accel-Expires"]) <= 5
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "method, uri",
    [
        ("GET", "/malls/testmall/api/v2/admin/products"),
        ("HEAD", "/malls/testmall/api/v2/admin/products/count"),
        ("POST", "/malls/testmall/api/v2/admin/products"),
        ("PUT", "/malls/testmall/api/v2/admin/products/7?x=1"),
        ("GET", "/malls/testmall/api/v2/admin/orders/3"),
        ("GET", "/malls/testmall/api/v2/admin/store"),
    ],
)
def test_every_granted_call_is_allowed(live_server, gateway, token, method, uri):
    assert gateway_check(live_server, gateway, token, method, uri).status_code == 200


@pytest.mark.parametrize(
    "method, uri, scope",
    [
        ("DELETE", "/malls/testmall/api/v2/admin/orders/1", "mall.write_order"),
        ("GET", "/malls/testmall/api/v2/admin/customers", "mall.read_customer"),
        ("PUT", "/malls/testmall/api/v2/admin/store", "mall.write_store"),
    ],
)
def test_missing_scope_is_403_naming_the_scope(live_server, gateway, token, method, uri, scope):
    answer = gateway_check(live_server, gateway, token, method, uri)
    assert answer.status_code == 403
    assert answer.headers["X-Auth-Error"] == "insufficient_scope"
    assert answer.headers["X-Auth-Required-Scope"] == scope
    assert answer.json()["error"]["more_info"] == {"required_scope": scope}
    assert (method, uri.split("/admin/")[1].split("/")[0]) in SCOPE_MAP
    # The Admin API itself refuses the same call with the same scope (its 404).
    api = Api(live_server, "testmall", token).call(method, uri.split("/admin/")[1])
    assert api.status_code == 404
    assert api.json()["error"]["more_info"] == {"required_scope": scope}


@pytest.mark.parametrize(
    "method, uri",
    [
        ("GET", "/malls/testmall/api/v2/admin/nothing"),
        ("POST", "/malls/testmall/api/v2/admin/products/1"),
        ("PATCH", "/malls/testmall/api/v2/admin/products/1"),
        ("GET", "/malls/testmall/api/v2/admin/prod%75cts"),
        ("GET", "/malls/testmall/api/v2/admin/products/../orders"),
    ],
)
def test_no_such_api_is_403_no_api(live_server, gateway, token, method, uri):
    answer = gateway_check(live_server, gateway, token, method, uri)
    assert answer.status_code == 403
    assert answer.headers["X-Auth-Error"] == "no_api"
    assert "X-Auth-Required-Scope" not in answer.headers
    assert answer.json()["error"]["message"] == "Cannot locate API."


@pytest.mark.parametrize(
    "uri",
    [
        "/malls/testmall/api/v2/oauth/token",
        "/admin/apps",
        "/malls/bad%20mall/api/v2/admin/products",
        "products",
    ],
)
def test_uri_outside_the_admin_api_is_403_no_api_before_the_token(live_server, gateway, uri):
    answer = gateway_check(live_server, gateway, None, "GET", uri)
    assert answer.status_code == 403
    assert answer.headers["X-Auth-Error"] == "no_api"


def test_missing_token_is_the_admin_apis_realm_challenge(live_server, world, gateway):
    answer = gateway_check(live_server, gateway, None)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == f'Bearer realm="{live_server}/malls/testmall"'
    assert answer.json()["error"]["code"] == 401


@pytest.mark.parametrize("token", ["not-a-real-token", "a b"])
def test_bad_token_is_invalid_token(live_server, world, gateway, token):
    answer = gateway_check(live_server, gateway, token)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_revoked_token_and_token_of_another_mall_are_invalid(live_server, world, gateway, token):
    other = gateway_check(live_server, gateway, token, uri="/malls/elsewhere/api/v2/admin/products")
    assert other.status_code == 401
    assert revoke(live_server, world.mall_id, world.web, token).status_code == 200
    answer = gateway_check(live_server, gateway, token)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    "credentials",
    [None, "wrong", "app", "Bearer x", "Basic !!!"],
)
def test_gateway_credentials_missing_or_wrong_is_401_basic(
    live_server, world, gateway, token, credentials
):
    headers = {
        "X-Original-Method": "GET",
        "X-Original-URI": URI,
        "Authorization": f"Bearer {token}",
    }
    if credentials == "wrong":
        headers["X-Gateway-Authorization"] = basic(gateway[0], "not-the-secret")
    elif credentials == "app":  # an app's credentials are no gateway's
        headers["X-Gateway-Authorization"] = basic(world.web.client_id, world.web.client_secret)
    elif credentials is not None:
        headers["X-Gateway-Authorization"] = credentials
    answer = requests.get(f"{live_server}/gateway/check", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="authserver gateway check"'
    assert "X-Auth-Client-Id" not in answer.headers


def test_gateway_credentials_in_authorization_do_not_count(live_server, gateway):
    """The ``Authorization`` header is the app's; gateway credentials there are no login."""
    answer = gateway_check(live_server, None, None, Authorization=basic(*gateway))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic ")


def test_missing_original_request_headers_is_400(live_server, gateway, token):
    assert gateway_check(live_server, gateway, token, uri=None).status_code == 400
    assert gateway_check(live_server, gateway, token, method="").status_code == 400


def test_token_expiring_soon_is_cached_no_longer_than_its_life(
    app, live_server, world, gateway, token
):
    from datetime import timedelta

    from authserver.extensions import db
    from authserver.models import Token
    from authserver.models.base import utcnow
    from authserver.security.crypto import sha256_hex

    with app.app_context():
        row = db.session.query(Token).filter_by(access_token_hash=sha256_hex(token)).one()
        row.access_expires_at = utcnow() + timedelta(seconds=2.5)
        db.session.commit()
    answer = gateway_check(live_server, gateway, token)
    assert answer.status_code == 200
    assert int(answer.headers["X-Accel-Expires"]) <= 2
