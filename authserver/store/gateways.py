"""API gateway credentials (DESIGN.md "Introspection"): finding, creating, rotating, deleting.

Secrets are random and shown once; only their SHA-256 is stored (a slow hash would cap
introspection, and a random 190-bit secret needs none).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select

from authserver.extensions import db
from authserver.models import GatewayClient
from authserver.models.base import utcnow
from authserver.security import audit
from authserver.security.crypto import SECRET_LENGTH, random_base62, sha256_hex
from authserver.store.reads import reader

#: Gateway ids carry this prefix; App Keys are plain base62, so the two never collide.
ID_PREFIX = "gw_"
ID_LENGTH = 22
MAX_NAME_LENGTH = 100

_GATEWAYS = GatewayClient.__table__


class GatewayRow(NamedTuple):
    """The columns gateway authentication reads."""

    id: int
    client_id: str
    secret_hash: str


GATEWAY_COLUMNS = (_GATEWAYS.c.id, _GATEWAYS.c.client_id, _GATEWAYS.c.secret_hash)
FIND = select(*GATEWAY_COLUMNS).where(_GATEWAYS.c.client_id == bindparam("client_id"))


def find_gateway_row(client_id: str) -> GatewayRow | None:
    """The gateway ``client_id``, as this request has it or by one indexed read."""
    if not client_id.startswith(ID_PREFIX) or len(client_id) > 64 or "\x00" in client_id:
        return None

    def load() -> GatewayRow | None:
        row = reader().first(FIND, {"client_id": client_id})
        return None if row is None else GatewayRow(row.id, row.client_id, row.secret_hash)

    return reader().lookup("gateway", client_id, load)


def find_gateway(client_id: str) -> GatewayClient | None:
    """The gateway as an entity of the session, to change or delete it."""
    return db.session.scalar(select(GatewayClient).where(GatewayClient.client_id == client_id))


def create_gateway(name: str) -> tuple[GatewayClient, str]:
    """A new gateway credential; returns it and its secret (the only time it is shown)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"use 1 to {MAX_NAME_LENGTH} characters")
    secret = random_base62(SECRET_LENGTH)
    gateway = GatewayClient(
        name=name, client_id=ID_PREFIX + random_base62(ID_LENGTH), secret_hash=sha256_hex(secret)
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
