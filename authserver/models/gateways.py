"""API gateway credentials: may introspect any token of any mall."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from authserver.extensions import db
from authserver.models.base import utcnow
from authserver.security.crypto import constant_time_equals, sha256_hex


class GatewayClient(db.Model):
    __tablename__ = "gateway_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the secret: it is random, so a slow hash would only cap introspection.
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]

    def check_secret(self, secret: str) -> bool:
        return constant_time_equals(self.secret_hash, sha256_hex(secret))
