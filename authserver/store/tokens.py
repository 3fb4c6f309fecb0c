"""Tokens: finding a presented access or refresh token, storing a new pair, rotating, revoking.

A presented token is found by its SHA-256 (``crypto.sha256_hex``; a JWT access token's row
holds the SHA-256 of the whole JWT: ``oauth/jwt_tokens.lookup_digest``) in one indexed query
that also brings what every caller decides with: the token's mall and app, the app's current
permissions and its installation on that mall (joins on primary keys and the installations'
unique index), and the activity rules of ``models.Token`` evaluated in the statement. So
introspection, revocation, the Admin API and the gateway check answer from that one row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Row, and_, bindparam, select

from authserver import scopes
from authserver.models import App, Installation, Mall, Token
from authserver.models.base import utcnow
from authserver.store.reads import reader

ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
TOKEN_KINDS = (ACCESS_TOKEN, REFRESH_TOKEN)

_TOKENS, _MALLS, _APPS = Token.__table__, Mall.__table__, App.__table__
_INSTALLATIONS = Installation.__table__
#: The moment the rules are decided at: a parameter, so the caller's clock decides.
NOW = bindparam("now")


def owner_columns() -> list[Any]:
    """The token's mall, its app and the app's installation there, as every lookup names them."""
    return [
        _MALLS.c.mall_id.label("token_mall_id"),
        _APPS.c.client_id.label("token_client_id"),
        _APPS.c.scope.label("app_scope"),
        _INSTALLATIONS.c.id.label("installation_pk"),
        _INSTALLATIONS.c.scope.label("installation_scope"),
    ]


#: What a lookup reads of the token's own row, with the rules of ``models.Token``.
TOKEN_COLUMNS = (
    _TOKENS.c.id,
    _TOKENS.c.family_id,
    _TOKENS.c.app_pk,
    _TOKENS.c.mall_pk,
    _TOKENS.c.user_id,
    _TOKENS.c.scope,
    _TOKENS.c.grant_scope,
    _TOKENS.c.issued_at,
    _TOKENS.c.access_expires_at,
    _TOKENS.c.refresh_expires_at,
    Token.access_active(NOW).label("access_active"),
    Token.refresh_active(NOW).label("refresh_active"),
)


def with_owners(from_: Any, *, outer: bool) -> Any:
    """``from_`` (ending in ``tokens``) joined to the token's mall, app and installation."""
    join = from_.outerjoin if outer else from_.join
    from_ = join(_MALLS, _MALLS.c.id == _TOKENS.c.mall_pk)
    join = from_.outerjoin if outer else from_.join
    from_ = join(_APPS, _APPS.c.id == _TOKENS.c.app_pk)
    return from_.outerjoin(
        _INSTALLATIONS,
        and_(
            _INSTALLATIONS.c.mall_pk == _TOKENS.c.mall_pk,
            _INSTALLATIONS.c.app_pk == _TOKENS.c.app_pk,
        ),
    )


def _lookup(hash_column: Any) -> Any:
    return (
        select(*TOKEN_COLUMNS, *owner_columns())
        .select_from(with_owners(_TOKENS, outer=False))
        .where(hash_column == bindparam("digest"))
    )


#: One statement per kind, built once: only the digest and the moment change.
LOOKUPS = {
    ACCESS_TOKEN: _lookup(_TOKENS.c.access_token_hash),
    REFRESH_TOKEN: _lookup(_TOKENS.c.refresh_token_hash),
}


class FoundToken(NamedTuple):
    """A token's lookup row and which of its two tokens was presented."""

    row: Row
    kind: str

    @property
    def is_refresh(self) -> bool:
        return self.kind == REFRESH_TOKEN

    @property
    def mall_id(self) -> str:
        return self.row.token_mall_id

    @property
    def client_id(self) -> str:
        return self.row.token_client_id

    @property
    def installed(self) -> bool:
        return self.row.installation_pk is not None

    def is_active(self) -> bool:
        """The presented token is active (``models.Token``'s rule) and its app still installed."""
        active = self.row.refresh_active if self.is_refresh else self.row.access_active
        return bool(active) and self.installed

    @property
    def usable_scopes(self) -> tuple[str, ...]:
        """The scopes this token may use now (``scopes.usable_scopes``): an access token's own,
        a refresh token's grant, both narrowed to the installation and the app's permissions."""
        row = self.row
        if row.installation_scope is None:  # not installed (any more): nothing
            return ()
        granted = row.grant_scope if self.is_refresh else row.scope
        return scopes.usable_scopes(granted, row.installation_scope, row.app_scope)

    @property
    def expires_at(self) -> datetime:
        row = self.row
        return row.refresh_expires_at if self.is_refresh else row.access_expires_at


def find(kind: str, digest: str) -> FoundToken | None:
    """The token of ``kind`` stored under ``digest``, as this request has it or by one query."""

    def load() -> Row | None:
        return reader().first(LOOKUPS[kind], {"digest": digest, "now": utcnow()})

    row = reader().lookup(kind, digest, load)
    return None if row is None else FoundToken(row, kind)
