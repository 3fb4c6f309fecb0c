"""Issuing tokens: the superset token response (Cafe24's fields and RFC 6749 §5.1's) and its row.

DESIGN.md, "Token response": ``scope`` space-separated, ``scopes`` a list, ``shop_no`` the
string ``"1"``, timestamps as Cafe24 writes them (``YYYY-MM-DDTHH:MM:SS.sss``, no offset) in
``AUTHSERVER_TIMEZONE``, and ``expires_at - issued_at == expires_in``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from authserver.extensions import db
from authserver.models import Mall, Token
from authserver.models.base import epoch_seconds, utcnow
from authserver.oauth.issuer import issuer_for
from authserver.oauth.jwt_tokens import JWT, OPAQUE, issue, jwt_ttl, new_jti
from authserver.security.crypto import SECRET_LENGTH, random_base62, sha256_hex


@dataclass(frozen=True)
class Grantor:
    """The resource owner behind a grant: an operator (``user_id``) of a mall."""

    mall: Mall
    user_id: str


class TokenResponse(dict):
    """The JSON body; the datetimes it was built from ride along for the row that stores it."""

    issued_at_utc: datetime
    access_expires_utc: datetime
    refresh_expires_utc: datetime | None


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def cafe24_timestamp(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """Naive UTC -> ``2026-11-26T21:00:00.000`` in ``zone`` (default: the configured one)."""
    zone = zone or _zone(current_app.config["AUTHSERVER_TIMEZONE"])
    # isoformat truncates to milliseconds as Cafe24 does; its first 23 characters are the
    # time without the offset (the year always has four digits). A third of strftime's cost.
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat(timespec="milliseconds")[:23]


def generate_token_response(
    grant_type: str,
    client,
    user: Grantor | None = None,
    scope: str | None = None,
    expires_in: int | None = None,
    include_refresh_token: bool = True,
) -> TokenResponse:
    """Authlib token generator (registered as ``default``)."""
    config = current_app.config
    zone = _zone(config["AUTHSERVER_TIMEZONE"])
    now = utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    as_jwt = getattr(client, "token_format", OPAQUE) == JWT and user is not None
    access_ttl = jwt_ttl() if as_jwt else expires_in or config["AUTHSERVER_ACCESS_TOKEN_TTL"]
    access_expires = now + timedelta(seconds=access_ttl)
    scope_list = (scope or "").split()
    if as_jwt:
        access_token = jwt_access_token(client, user, scope_list, now, access_expires, new_jti())
    else:
        access_token = random_base62(SECRET_LENGTH)

    token = TokenResponse(
        access_token=access_token,
        token_type="Bearer",
        expires_in=access_ttl,
        expires_at=cafe24_timestamp(access_expires, zone),
    )
    token.issued_at_utc = now
    token.access_expires_utc = access_expires
    token.refresh_expires_utc = None
    if include_refresh_token:
        refresh_expires = now + timedelta(seconds=config["AUTHSERVER_REFRESH_TOKEN_TTL"])
        token["refresh_token"] = random_base62(SECRET_LENGTH)
        token["refresh_token_expires_at"] = cafe24_timestamp(refresh_expires, zone)
        token.refresh_expires_utc = refresh_expires
    token.update(
        scope=" ".join(scope_list),
        scopes=scope_list,
        client_id=client.client_id,
        mall_id=user.mall.mall_id if user else None,
        user_id=user.user_id if user else None,
        shop_no="1",
        issued_at=cafe24_timestamp(now, zone),
    )
    return token


def jwt_access_token(client, user: Grantor, scope_list, issued, expires, jti: str) -> str:
    """RFC 9068 §2.2: the claims of a JWT access token for ``user``'s mall."""
    issuer = issuer_for(user.mall.mall_id)
    claims = {
        "iss": issuer,
        "sub": user.user_id,
        "aud": f"{issuer}/api/v2/admin",
        "client_id": client.client_id,
        "scope": " ".join(scope_list),
        "mall_id": user.mall.mall_id,
        "iat": epoch_seconds(issued),
        "exp": epoch_seconds(expires),
        "jti": jti,
    }
    return issue(claims)


def store_token(token: TokenResponse, **details: Any) -> None:
    """Insert the row for a freshly generated token pair in the session's transaction;
    ``details`` are :func:`token_row`'s keywords.

    A Core INSERT on the table (one statement, no ORM unit of work for an object nobody reads
    back). The code exchange runs :data:`INSERT` with :func:`token_row` on its own write
    redemption instead (``store/codes.py``).
    """
    db.session.execute(INSERT, token_row(token, **details))


def token_row(
    token: TokenResponse,
    *,
    client,
    grantor: Grantor,
    grant_scope: str,
    family_id: str | None = None,
    parent: Token | None = None,
    code_pk: int | None = None,
) -> dict[str, Any]:
    """The parameters of :data:`INSERT` for a freshly generated token pair."""
    return {
        "family_id": family_id or secrets.token_hex(16),
        "parent_id": parent.id if parent else None,
        "code_pk": code_pk,
        "app_pk": client.id,
        "mall_pk": grantor.mall.id,
        "user_id": grantor.user_id,
        "scope": token["scope"],
        "grant_scope": grant_scope,
        # The whole token, a JWT's too: the token is the secret; its jti is only a name that
        # gateways and logs record, so no digest of it is stored (issue 16, item 1).
        "access_token_hash": sha256_hex(token["access_token"]),
        "refresh_token_hash": (
            sha256_hex(token["refresh_token"]) if "refresh_token" in token else None
        ),
        "issued_at": token.issued_at_utc,
        "access_expires_at": token.access_expires_utc,
        "refresh_expires_at": token.refresh_expires_utc,
    }


INSERT = Token.__table__.insert()
