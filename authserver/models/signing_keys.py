"""Keys that sign JWT access tokens (RFC 9068), shared by every node through the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from authserver.extensions import db
from authserver.models.base import utcnow


class SigningKey(db.Model):
    """One ES256 key: the private half encrypted like App Secrets, the public half as a JWK."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(10))
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a rotation drops the key from the JWKS (two rotations after it was made).
    retired_at: Mapped[datetime | None]
