"""API gateway credentials (DESIGN.md "Introspection"): issue, rotate, delete, authenticate.

A gateway authenticates at the introspection endpoint with HTTP Basic ``id:secret``, through
Authlib's client authentication as one more method, ``gateway_basic`` (RFC 6749 §2.3.1 on the
wire). Secrets are random and shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from .. import audit, readonly
from ..crypto import SECRET_LENGTH, constant_time_equals, random_base62, sha256_hex
from ..extensions import db
from ..models import GatewayClient
from ..models.base import utcnow
from ..readonly import Record
from .prefetch import GatewayRow, prefetched_gateway
from .requests import request_credentials

#: Authlib client-authentication method name for gateway credentials.
GATEWAY_AUTH_METHOD = "gateway_basic"
#: Gateway ids carry this prefix; App Keys are plain base62, so the two never collide.
ID_PREFIX = "gw_"
ID_LENGTH = 22
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class GatewayCaller:
    """An authenticated gateway, as the client object Authlib's endpoints receive."""

    #: the ``gateway_clients`` row (``id``, ``client_id``)
    gateway: GatewayClient | GatewayRow | Record
    is_gateway = True

    @property
    def client_id(self) -> str:
        return self.gateway.client_id

    def get_client_id(self) -> str:
        return self.gateway.client_id

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Gateways introspect; they have no business at the token or revocation endpoint."""
        return method == GATEWAY_AUTH_METHOD and endpoint == "introspection"


def authenticate_gateway(query_client, request) -> GatewayCaller | None:
    """Authlib client-auth method: HTTP Basic with a gateway's id and secret.

    Returns ``None`` (never raises) when the credentials are not a gateway's, so that Authlib
    goes on to try the apps' methods and answers ``invalid_client`` if none matches.
    """
    credentials = request_credentials(request.headers)
    if credentials is None:
        return None
    client_id, secret = credentials
    if not client_id.startswith(ID_PREFIX) or not secret or len(client_id) > 64:
        return None
    # Usually read with the mall and the token in one statement (prefetch.py); otherwise one
    # Core query on the unique index, on the read-only engine.
    found, gateway = prefetched_gateway(client_id)
    if not found:
        gateway = readonly.first(_BY_CLIENT_ID, {"client_id": client_id})
    if gateway is None or not constant_time_equals(gateway.secret_hash, sha256_hex(secret)):
        return None
    return GatewayCaller(gateway)


_GATEWAYS = GatewayClient.__table__
_BY_CLIENT_ID = select(_GATEWAYS.c.id, _GATEWAYS.c.client_id, _GATEWAYS.c.secret_hash).where(
    _GATEWAYS.c.client_id == bindparam("client_id")
)


def find_gateway(client_id: str) -> GatewayClient | None:
    return db.session.scalar(select(GatewayClient).where(GatewayClient.client_id == client_id))


def create_gateway(name: str) -> tuple[GatewayClient, str]:
    """A new gateway credential; returns it and its secret (the only time it is shown)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"use 1 to {MAX_NAME_LENGTH} characters")
    secret = random_base62(SECRET_LENGTH)
    gateway = GatewayClient(
        name=name,
        client_id=ID_PREFIX + random_base62(ID_LENGTH),
        secret_hash=sha256_hex(secret),
    )
    db.session.add(gateway)
    audit.record("gateway_created", actor="cli", client_id=gateway.client_id, name=name)
    db.session.commit()
    return gateway, secret


def rotate_gateway(gateway: GatewayClient) -> str:
    """A new secret; the old one stops working at once."""
    secret = random_base62(SECRET_LENGTH)
    gateway.secret_hash = sha256_hex(secret)
    gateway.rotated_at = utcnow()
    audit.record("gateway_rotated", actor="cli", client_id=gateway.client_id)
    db.session.commit()
    return secret


def delete_gateway(gateway: GatewayClient) -> None:
    audit.record("gateway_deleted", actor="cli", client_id=gateway.client_id)
    db.session.delete(gateway)
    db.session.commit()
