"""Real nginx with deploy/nginx/authserver-gateway.conf in front of a stand-in Admin API backend.

nginx asks the live authserver's ``/gateway/check`` before every call (``auth_request``), with
the gateway credential from its own configuration. Proves: in-scope call -> 200 from the
backend with the X-Auth-* headers (the client's own X-Auth-* never get through); out-of-scope
-> 404 with the Admin API's envelope; revoked or missing token -> 401 with the Admin API's
envelope and challenge; a refused gateway credential -> 502; and the auth cache bound.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import requests

from .admin_api_support import obtain_token
from .gateway_support import basic
from .nginx_support import NginxGateway, echo_backend
from .oauth_helpers import revoke
from .servers import free_port

API = "/malls/testmall/api/v2/admin"
CACHE_BOUND = 5


@pytest.fixture
def nginx(live_server, gateway, tmp_path):
    with echo_backend() as backend_port:
        server = NginxGateway(tmp_path / "nginx", urlsplit(live_server).port, backend_port, gateway)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def token(live_server, world) -> str:
    return obtain_token(live_server, world.mall_id, world.web)["access_token"]


def call(nginx, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, nginx.url + path, headers=headers, timeout=10, **kwargs)


def test_in_scope_call_reaches_the_backend_with_the_caller(nginx, world, token):
    forged = {"X-Auth-Mall-Id": "othermall", "X-Auth-Scopes": "mall.write_store"}
    answer = call(nginx, "GET", f"{API}/products?limit=2", token, headers=forged)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Backend"] == "echo"
    echoed = answer.json()
    assert echoed["path"] == f"{API}/products?limit=2"
    headers = echoed["headers"]
    assert headers["x-auth-mall-id"] == "testmall"
    assert headers["x-auth-client-id"] == world.web.client_id
    assert headers["x-auth-user-id"] == "owner"
    assert headers["x-auth-scopes"].split() == sorted(world.web.scopes)
    assert headers["authorization"] == f"Bearer {token}"
    assert "x-gateway-authorization" not in headers


def test_write_call_with_a_body_is_checked_as_a_write(nginx, token):
    answer = call(nginx, "POST", f"{API}/products", token, json={"request": {"price": 1}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["method"] == "POST"
    assert answer.json()["body"] == '{"request": {"price": 1}}'


def test_out_of_scope_call_is_the_admin_apis_404(nginx, token):
    answer = call(nginx, "GET", f"{API}/customers", token)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {
        "error": {
            "code": 404,
            "message": "Permission unauthorized.",
            "more_info": {"required_scope": "mall.read_customer"},
        }
    }
    assert "X-Backend" not in answer.headers


def test_no_such_api_is_404_cannot_locate(nginx, token):
    for path in (f"{API}/nothing", "/somewhere/else"):
        answer = call(nginx, "GET", path, token)
        assert answer.status_code == 404
        assert answer.json()["error"] == {
            "code": 404,
            "message": "Cannot locate API.",
            "more_info": {},
        }


def test_missing_token_is_401_with_the_realm(nginx, live_server):
    answer = call(nginx, "GET", f"{API}/products")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 401
    # The check sees nginx's Host, so the realm names the gateway's address.
    assert answer.headers["WWW-Authenticate"] == f'Bearer realm="{nginx.url}/malls/testmall"'


def test_revoked_token_is_401_within_the_cache_bound(nginx, world, token):
    first = call(nginx, "GET", f"{API}/products", token)
    assert first.status_code == 200
    assert first.json()["headers"]["x-auth-cache"] == "MISS"
    again = call(nginx, "GET", f"{API}/products", token)
    assert again.json()["headers"]["x-auth-cache"] == "HIT"  # the cache is on

    assert revoke(nginx_auth_base(nginx, world), world.mall_id, world.web, token).status_code == 200
    revoked_at = time.monotonic()
    while True:
        answer = call(nginx, "GET", f"{API}/products", token)
        if answer.status_code == 401:
            break
        assert answer.status_code == 200
        assert time.monotonic() - revoked_at <= CACHE_BOUND + 1, "cached past the bound"
        time.sleep(0.25)
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert answer.json()["error"]["message"] == "Authority to access is not valid."
    # Another URI was never cached: refused at once.
    assert call(nginx, "GET", f"{API}/products/count", token).status_code == 401


def test_bad_token_is_401_invalid_token(nginx):
    answer = call(nginx, "GET", f"{API}/products", "unknown-token")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def gateway_answer(tmp_path, authserver_port: int, credential, token: str, **headers):
    with echo_backend() as backend_port:
        server = NginxGateway(tmp_path / "other", authserver_port, backend_port, credential)
        server.start()
        try:
            return call(server, "GET", f"{API}/products", token, headers=headers)
        finally:
            server.stop()


def test_refused_gateway_credential_is_500_not_the_clients_401(
    live_server, gateway, tmp_path, token
):
    # The client's own X-Gateway-Authorization (even a valid one) is never used.
    answer = gateway_answer(
        tmp_path,
        urlsplit(live_server).port,
        ("gw_nobody", "wrong"),
        token,
        **{"X-Gateway-Authorization": basic(*gateway)},
    )
    assert answer.status_code == 500
    assert "WWW-Authenticate" not in answer.headers
    assert answer.json()["error"] == {
        "code": 500,
        "message": "The gateway could not check this call.",
        "more_info": {},
    }


def test_authserver_down_is_the_same_500(gateway, tmp_path):
    answer = gateway_answer(tmp_path, free_port(), gateway, "some-token")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == 500


def nginx_auth_base(nginx, world) -> str:
    """Revocation goes to authserver directly (the gateway fronts only the Admin API)."""
    return nginx.authserver_url
