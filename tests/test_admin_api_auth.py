"""Admin API authentication and the 404s, in DESIGN.md's order, through the live server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import delete, select, update

from authserver.extensions import db
from authserver.models import Developer, Installation, Token, utcnow

from .admin_api_support import ALL, Api, api_url, app_with_scopes, obtain_token
from .helpers import add_mall

INVALID_TOKEN = 'Bearer error="invalid_token"'


@pytest.fixture
def token(app, live_server, world, configure) -> str:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ["mall.read_product", "mall.write_product"])
    world.extra["client"] = client
    return obtain_token(live_server, world.mall_id, client)["access_token"]


def _get(live_server, mall_id, path="products", headers=None, **kwargs):
    return requests.get(api_url(live_server, mall_id, path), headers=headers or {}, **kwargs)


def _assert_401(answer, challenge):
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == challenge
    assert answer.json() == {
        "error": {"code": 401, "message": "Authority to access is not valid.", "more_info": {}}
    }
    assert "X-Api-Call-Limit" not in answer.headers


def test_valid_token_reads(live_server, world, token):
    answer = _get(live_server, world.mall_id, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json() == {"products": []}
    assert answer.headers["X-Api-Call-Limit"] == "1/10000"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_bearer_in_any_case(live_server, world, token, scheme):
    answer = _get(live_server, world.mall_id, headers={"Authorization": f"{scheme} {token}"})
    assert answer.status_code == 200


def test_no_authorization_header_gets_the_realm_challenge(live_server, world, token):
    realm = f'Bearer realm="{live_server}/malls/{world.mall_id}"'
    _assert_401(_get(live_server, world.mall_id), realm)
    _assert_401(_get(live_server, world.mall_id, headers={"Authorization": ""}), realm)
    # Checked before the path: an unknown path without a token is a 401 too.
    _assert_401(_get(live_server, world.mall_id, "no/such/api"), realm)
    _assert_401(requests.post(api_url(live_server, world.mall_id, "products"), json={}), realm)


def test_query_string_and_body_tokens_are_ignored(live_server, world, token):
    realm = f'Bearer realm="{live_server}/malls/{world.mall_id}"'
    _assert_401(_get(live_server, world.mall_id, params={"access_token": token}), realm)
    url = api_url(live_server, world.mall_id, "products")
    _assert_401(requests.post(url, data={"access_token": token}), realm)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer !!!!",
        "Bearer " + "a" * 600,
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer unknown-token-value",
    ],
)
def test_malformed_or_unknown_tokens_are_invalid_token(live_server, world, token, header):
    _assert_401(_get(live_server, world.mall_id, headers={"Authorization": header}), INVALID_TOKEN)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_expired_token(app, live_server, world, token):
    with app.app_context():
        db.session.execute(update(Token).values(access_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    _assert_401(_get(live_server, world.mall_id, headers=_bearer(token)), INVALID_TOKEN)


def test_revoked_token(app, live_server, world, token):
    with app.app_context():
        Token.revoke_where(Token.mall_pk.isnot(None))
        db.session.commit()
    _assert_401(_get(live_server, world.mall_id, headers=_bearer(token)), INVALID_TOKEN)


def test_token_of_an_uninstalled_app(app, live_server, world, token):
    with app.app_context():
        db.session.execute(delete(Installation))
        db.session.commit()
    _assert_401(_get(live_server, world.mall_id, headers=_bearer(token)), INVALID_TOKEN)


def test_token_of_another_mall_and_unknown_malls(app, live_server, world, token):
    with app.app_context():
        developer = db.session.scalar(select(Developer).filter_by(email=world.developer))
        add_mall("othermall", test_mall_of=developer)
    _assert_401(_get(live_server, "othermall", headers=_bearer(token)), INVALID_TOKEN)
    # An unknown mall answers as a known one does: no token can belong to it.
    _assert_401(_get(live_server, "nosuchmall", headers=_bearer(token)), INVALID_TOKEN)
    realm = f'Bearer realm="{live_server}/malls/nosuchmall"'
    _assert_401(_get(live_server, "nosuchmall"), realm)
    # A mall id that names no mall at all (and could not go into a header) is no API.
    weird = _get(live_server, "bad%22mall%0Aid", headers=_bearer(token))
    assert weird.status_code == 404
    assert weird.json()["error"]["message"] == "Cannot locate API."


def test_a_narrowed_installation_narrows_the_token_at_once(app, live_server, world, token):
    with app.app_context():
        db.session.execute(update(Installation).values(scope="mall.write_product"))
        db.session.commit()
    answer = _get(live_server, world.mall_id, headers=_bearer(token))
    assert answer.status_code == 404
    assert answer.json()["error"]["more_info"] == {"required_scope": "mall.read_product"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", ""),
        ("GET", "nothing"),
        ("GET", "products/abc"),
        ("GET", "products/-1"),
        ("GET", "products/1/options"),
        ("GET", "products/"),
        ("GET", "Products"),
        ("POST", "products/1"),
        ("PUT", "products"),
        ("DELETE", "products"),
        ("PATCH", "products/1"),
        ("OPTIONS", "products"),
        ("POST", "products/count"),
        ("GET", "reports"),
        ("POST", "reports/salesvolume"),
        ("GET", "reports/salesvolume/1"),
    ],
)
def test_unknown_paths_are_cannot_locate_api(live_server, world, token, method, path):
    api = Api(live_server, world.mall_id, token)
    answer = api.call(method, path)
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {"code": 404, "message": "Cannot locate API.", "more_info": {}}
    }
    assert answer.headers["X-Api-Call-Limit"]


def test_missing_scope_is_permission_unauthorized(live_server, world, token):
    api = Api(live_server, world.mall_id, token)
    for method, path, scope in [
        ("GET", "orders", "mall.read_order"),
        ("GET", "orders/1", "mall.read_order"),
        ("POST", "orders", "mall.write_order"),
        ("GET", "store", "mall.read_store"),
        ("GET", "reports/salesvolume", "mall.read_salesreport"),
    ]:
        answer = api.call(method, path, {"member_id": "x"} if method == "POST" else None)
        assert answer.status_code == 404
        assert answer.json() == {
            "error": {
                "code": 404,
                "message": "Permission unauthorized.",
                "more_info": {"required_scope": scope},
            }
        }
        assert answer.headers["X-Api-Call-Limit"]


def test_a_missing_record_is_a_404_after_the_scope_check(live_server, world, token):
    api = Api(live_server, world.mall_id, token)
    answer = api.get("products/42")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "No product with product_no 42."
    assert api.get("products/99999999999999").status_code == 404


def test_write_scope_does_not_imply_read(app, live_server, world, configure):
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ALL)
    writer = obtain_token(live_server, world.mall_id, client, ["mall.write_product"])
    api = Api(live_server, world.mall_id, writer["access_token"])
    assert api.post("products", {"product_name": "x", "price": 1}).status_code == 201
    assert api.get("products/1").json()["error"]["more_info"] == {
        "required_scope": "mall.read_product"
    }
