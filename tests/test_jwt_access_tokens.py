"""JWT access tokens (RFC 9068) for apps the platform switches to them: verified against the
mall's JWKS by a JOSE library and by plain ECDSA, the RFC 9068 claims and ``typ``, revocation
honoured by introspection and the Admin API, key rotation, and opaque staying the default.
A ``jti`` alone is no token, and a retired key verifies nothing (issue 16, items 1 and 11)."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from authserver.extensions import db
from authserver.security.crypto import sha256_hex

from .admin_api_support import Api
from .gateway_support import gateway_check
from .oauth_helpers import introspect, is_active, obtain_tokens, revoke, token_rows


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


@pytest.fixture
def jwt_app(cli, world):
    """The world's web app, switched to JWT access tokens by the platform."""
    answer = json.loads(cli("app", "token-format", world.web.client_id, "jwt", "--json"))
    assert answer == {
        "client_id": world.web.client_id,
        "token_format": "jwt",
        "access_token_ttl": 600,
    }
    return world.web


def jwks(live_server: str, mall_id: str) -> dict:
    response = requests.get(f"{live_server}/malls/{mall_id}/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def header_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def verify_with_ecdsa(token: str, key_set: dict) -> dict:
    """No JOSE library: the JWK's point and the raw r||s signature, checked by `cryptography`."""
    kid = header_of(token)["kid"]
    jwk = next(key for key in key_set["keys"] if key["kid"] == kid)
    number = lambda field: int.from_bytes(base64.urlsafe_b64decode(jwk[field] + "=="), "big")  # noqa: E731
    public = ec.EllipticCurvePublicNumbers(number("x"), number("y"), ec.SECP256R1()).public_key()
    signing_input, _, signature = token.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_jwt_verifies_against_the_jwks_and_carries_rfc9068_claims(
    live_server, world, jwt_app, gateway
):
    tokens = obtain_tokens(live_server, world.mall_id, jwt_app)
    access = tokens["access_token"]
    assert tokens["expires_in"] == 600 and tokens["token_type"] == "Bearer"
    assert "." not in tokens["refresh_token"]  # refresh tokens stay opaque

    key_set = jwks(live_server, world.mall_id)
    decoded = jwt.decode(access, KeySet.import_key_set(key_set), algorithms=["ES256"])
    issuer = f"{live_server}/malls/{world.mall_id}"
    JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        sub={"essential": True, "value": "owner"},
        aud={"essential": True, "value": f"{issuer}/api/v2/admin"},
        exp={"essential": True},
        iat={"essential": True},
        jti={"essential": True},
        client_id={"essential": True, "value": jwt_app.client_id},
        scope={"essential": True, "value": " ".join(jwt_app.scopes)},
    ).validate(decoded.claims)
    assert decoded.header["typ"] == "at+jwt" and decoded.header["alg"] == "ES256"
    assert decoded.claims["exp"] - decoded.claims["iat"] == 600
    assert verify_with_ecdsa(access, key_set) == decoded.claims
    assert all("d" not in key for key in key_set["keys"])  # public halves only

    answer = introspect(live_server, world.mall_id, access, auth=gateway).json()
    assert answer["active"] is True and answer["client_id"] == jwt_app.client_id
    assert answer["exp"] == decoded.claims["exp"] and answer["sub"] == "owner"
    assert Api(live_server, world.mall_id, access).get("products").status_code == 200


def test_revoked_jwt_is_inactive_and_refused_by_the_admin_api(live_server, world, jwt_app, gateway):
    access = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    api = Api(live_server, world.mall_id, access)
    assert api.get("products").status_code == 200
    assert revoke(live_server, world.mall_id, jwt_app, access).status_code == 200
    assert introspect(live_server, world.mall_id, access, auth=gateway).json() == {"active": False}
    assert api.get("products").status_code == 401


def test_a_forged_jwt_is_no_token(live_server, world, jwt_app, gateway):
    access = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    head, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "mall.write_order"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{forged_payload}.{signature}"
    assert not is_active(live_server, world.mall_id, gateway, forged)
    assert Api(live_server, world.mall_id, forged).get("products").status_code == 401


def test_rotation_keeps_tokens_of_the_previous_key_verifiable(
    cli, live_server, world, jwt_app, gateway
):
    old = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    old_kid = header_of(old)["kid"]
    new_kid = json.loads(cli("keys", "rotate-signing", "--json"))["kid"]
    new = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    assert header_of(new)["kid"] == new_kid != old_kid

    key_set = jwks(live_server, world.mall_id)
    assert [key["kid"] for key in key_set["keys"]] == [new_kid, old_kid]
    for token in (old, new):
        jwt.decode(token, KeySet.import_key_set(key_set), algorithms=["ES256"])
        assert is_active(live_server, world.mall_id, gateway, token)
        assert Api(live_server, world.mall_id, token).get("products").status_code == 200

    cli("keys", "rotate-signing")  # two rotations later the first key leaves the JWKS
    assert old_kid not in [key["kid"] for key in jwks(live_server, world.mall_id)["keys"]]


def test_opaque_is_the_default_and_the_jwt_lifetime_is_capped(cli, live_server, world, configure):
    opaque = obtain_tokens(live_server, world.mall_id, world.other_web)
    assert "." not in opaque["access_token"] and opaque["expires_in"] == 7200
    configure(AUTHSERVER_JWT_ACCESS_TOKEN_TTL=7200)
    cli("app", "token-format", world.other_web.client_id, "jwt")
    capped = obtain_tokens(live_server, world.mall_id, world.other_web)
    assert capped["access_token"].count(".") == 2 and capped["expires_in"] == 900
    cli("app", "token-format", world.other_web.client_id, "opaque")
    again = obtain_tokens(live_server, world.mall_id, world.other_web)
    assert "." not in again["access_token"]


def test_token_format_refuses_an_unknown_app(app):
    result = app.test_cli_runner().invoke(args=["app", "token-format", "nope", "jwt"])
    assert result.exit_code != 0 and "no app" in result.output


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_jti_alone_authenticates_nowhere(app, live_server, world, jwt_app, gateway):
    """Issue 16 item 1: the jti is a name gateways and logs record, never a credential."""
    access = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    jti = claims_of(access)["jti"]
    assert Api(live_server, world.mall_id, jti).get("products").status_code == 401
    assert gateway_check(live_server, gateway, jti).status_code == 401
    own = (jwt_app.client_id, jwt_app.client_secret)
    for caller in (gateway, own):
        answer = introspect(live_server, world.mall_id, jti, auth=caller)
        assert answer.json() == {"active": False}
    for hint in ({}, {"token_type_hint": "access_token"}):
        revoked = revoke(live_server, world.mall_id, jwt_app, jti, **hint)
        assert revoked.status_code == 200 and revoked.json() == {}  # the unknown-token answer
    # Nothing was revoked: the JWT itself still works everywhere.
    assert is_active(live_server, world.mall_id, gateway, access)
    assert Api(live_server, world.mall_id, access).get("products").status_code == 200
    assert gateway_check(live_server, gateway, access).status_code == 200
    # The row is found by the whole JWT, as an opaque token: no digest of the jti is stored.
    with app.app_context():
        digests = {row.access_token_hash for row in token_rows(db, world.mall_id)}
    assert sha256_hex(access) in digests and sha256_hex(jti) not in digests
    # Revoking by the whole JWT works.
    assert revoke(live_server, world.mall_id, jwt_app, access).status_code == 200
    assert not is_active(live_server, world.mall_id, gateway, access)


def test_a_retired_key_verifies_nothing(app, cli, configure, live_server, world, jwt_app, gateway):
    """Issue 16 item 11: two rotations retire a key; its tokens are refused although their
    rows are alive, by this process at most AUTHSERVER_SIGNING_KEY_CACHE_SECONDS later (the
    CLI is another process's stand-in: it tells the server nothing)."""
    configure(AUTHSERVER_SIGNING_KEY_CACHE_SECONDS=1)
    old = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    api = Api(live_server, world.mall_id, old)
    assert api.get("products").status_code == 200  # the old key is now in the server's cache
    assert is_active(live_server, world.mall_id, gateway, old)

    cli("keys", "rotate-signing")
    cli("keys", "rotate-signing")
    assert header_of(old)["kid"] not in [
        key["kid"] for key in jwks(live_server, world.mall_id)["keys"]
    ]
    time.sleep(1.2)  # the cache's configured lifetime: no process verifies with it after that

    assert api.get("products").status_code == 401
    assert gateway_check(live_server, gateway, old).status_code == 401
    for caller in (gateway, (jwt_app.client_id, jwt_app.client_secret)):
        assert introspect(live_server, world.mall_id, old, auth=caller).json() == {"active": False}
    with app.app_context():  # refused for its key alone: its row is unrevoked and unexpired
        row = next(
            r for r in token_rows(db, world.mall_id) if r.access_token_hash == sha256_hex(old)
        )
        assert row.is_access_active()
    # A token of the current key verifies at once.
    new = obtain_tokens(live_server, world.mall_id, jwt_app)["access_token"]
    assert Api(live_server, world.mall_id, new).get("products").status_code == 200
