"""Finding a presented token for introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1).

One lookup for both endpoints: the hint (RFC 7009's ``token_type_hint`` or Cafe24's
``token_hint``) only decides which kind is searched first; an unknown hint is ignored and both
kinds are always searched (RFC 7009 §2.1: the server MUST extend its search). Authlib's default
refuses unknown hints and searches only the hinted kind (SECURITY.md §4.6).

Each kind is one query on its unique index by the token's SHA-256 that also brings the token's
mall id, its app's client id and the app's installation on that mall, if any (joins on primary
keys and the installations' unique index), so introspection and the Admin API
(``admin_api/auth.py``) answer from that one row. It is a Core query on the tables (a plain
row, no ORM entity) on the read-only engine (``readonly.py``): the hot path of every gateway
call skips the ORM session and its per-row work.
``FoundToken.row`` has the ``tokens`` columns as attributes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, select
from werkzeug.datastructures import MultiDict

from .. import readonly
from ..crypto import sha256_hex
from ..models import App, Installation, Mall, Token
from ..models.grants import access_token_active, refresh_token_active
from ..readonly import Record
from ..scopes import usable_scopes
from .jwt_tokens import lookup_digest

ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
TOKEN_KINDS = (ACCESS_TOKEN, REFRESH_TOKEN)
#: Form fields that may carry the hint: RFC 7009/7662's name first, then Cafe24's.
HINT_FIELDS = ("token_type_hint", "token_hint")
#: Longer values cannot be tokens of this server (a JWT access token is about 600 characters);
#: they are not even hashed.
MAX_TOKEN_LENGTH = 2048

#: The columns of an access token's lookup row that introspection reads (``FoundToken`` of an
#: access token, the answer, the permission check, ``prefetch.py``): all that introspection's
#: one statement fetches of it. A third of the row's columns, and three of its seven dates to
#: convert instead of seven: about 2% of an introspection call.
INTROSPECTION_COLUMNS = (
    "id", "app_pk", "user_id", "scope", "issued_at", "access_expires_at", "access_revoked_at",
    "lookup_mall_id", "lookup_client_id", "lookup_installation_pk", "lookup_installation_scope",
    "lookup_app_scope",
)  # fmt: skip


#: The ``tokens`` columns of an access token's lookup row that the Admin API's authentication
#: reads (``admin_api/auth.py``, with every ``lookup_*`` column): two of the row's seven dates
#: to convert on every Admin API call instead of seven, and a third of its columns.
ADMIN_API_COLUMNS = (
    "id", "mall_pk", "app_pk", "user_id", "scope", "access_expires_at", "access_revoked_at",
)  # fmt: skip


class FoundToken(NamedTuple):
    """A token row and which of its two tokens was presented (a named tuple: every
    introspection makes one, at a third of the cost of a frozen dataclass)."""

    #: the ``tokens`` row (columns as attributes: ``scope``, ``family_id``, ``app_pk``, ...);
    #: an access token prefetched for introspection has ``INTROSPECTION_COLUMNS`` only
    row: Record
    kind: str
    #: the token's mall and app, and whether that app is installed there, fetched with the row
    mall_id: str
    client_id: str
    installed: bool

    @property
    def is_refresh(self) -> bool:
        return self.kind == REFRESH_TOKEN

    def is_active(self, now: datetime | None = None) -> bool:
        """Unexpired, unrevoked (refresh: not rotated out), and the app still installed."""
        alive = refresh_token_active if self.is_refresh else access_token_active
        return alive(self.row, now) and self.installed

    @property
    def scope(self) -> str:
        """The scopes the token may use now (``scopes.usable_scopes``): the access token's, or
        the refresh token's (the original grant's), narrowed to what the installation still
        grants and the app still holds."""
        row = self.row
        return " ".join(
            usable_scopes(
                row.grant_scope if self.is_refresh else row.scope,
                row.lookup_installation_scope or "",
                row.lookup_app_scope,
            )
        )

    @property
    def expires_at(self) -> datetime:
        row = self.row
        return row.refresh_expires_at if self.is_refresh else row.access_expires_at


def token_hint(form: MultiDict) -> str | None:
    """The hint when it names a kind this server issues; anything else counts as no hint."""
    for field in HINT_FIELDS:
        # ``in`` first: ``get`` of a missing key builds and catches Werkzeug's KeyError.
        if field in form and form[field] in TOKEN_KINDS:
            return form[field]
    return None


def find_token(
    value: str, hint: str | None = None, fetched: dict[str, Record | None] | None = None
) -> FoundToken | None:
    """The row holding ``value`` as an access or refresh token, the hinted kind tried first.

    ``fetched`` holds the lookups already made for ``value`` (kind -> row or ``None``).
    """
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    order = (REFRESH_TOKEN, ACCESS_TOKEN) if hint == REFRESH_TOKEN else TOKEN_KINDS
    for kind in order:
        if fetched is not None and kind in fetched:
            found = fetched[kind]
        else:
            digest = token_digest(kind, value)
            if digest is None:
                continue
            found = fetch(kind, digest)
        if found is not None:
            installed = found.lookup_installation_pk is not None
            return FoundToken(found, kind, found.lookup_mall_id, found.lookup_client_id, installed)
    return None


def token_digest(kind: str, value: str) -> str | None:
    """What the row of a token of ``kind`` is found by: the SHA-256 of the whole token (a JWT
    access token's too, once signed by a published key: ``jwt_tokens.py``); ``None`` when it
    cannot be ours."""
    return lookup_digest(value) if kind == ACCESS_TOKEN else sha256_hex(value)


def fetch(kind: str, digest: str) -> Record | None:
    """The row of the token of ``kind`` whose SHA-256 is ``digest``, with its mall and app."""
    return readonly.first(_LOOKUPS[kind], {"digest": digest})


def fetch_for_admin_api(digest: str) -> Record | None:
    """``fetch(ACCESS_TOKEN, digest)`` with the token's :data:`ADMIN_API_COLUMNS` only."""
    return readonly.first(ADMIN_API_LOOKUP, {"digest": digest})


def outer_access_lookup(onto, names: tuple[str, ...]) -> tuple[Any, list[Any]]:
    """The access-token lookup hung off ``onto`` (a table or join) by outer joins, for a
    statement that reads other rows with it (``prefetch.py``): the FROM clause and the
    lookup row's columns ``names``, NULL when no token has ``:digest``.

    The same tables and conditions as :func:`fetch`'s lookup, outer-joined all the way: a
    token's mall and app always exist (foreign keys, deleted with them), so a found token's
    row is the lookup's. Not a subquery of it: SQLite materializes a subquery (or a nested
    join) on the right of an outer join, a third of the statement's time."""
    tokens = Token.__table__
    on = tokens.c.access_token_hash == bindparam("digest")
    joined = _with_owners(onto.outerjoin(tokens, on), outer=True)
    owners = {column.key: column for column in _owner_columns()}
    return joined, [owners[name] if name in owners else tokens.c[name] for name in names]


def _lookup_columns(token_columns: tuple[str, ...] | None) -> list[Any]:
    tokens = Token.__table__
    chosen = [tokens] if token_columns is None else [tokens.c[name] for name in token_columns]
    return [*chosen, *_owner_columns()]


def _owner_columns() -> list[Any]:
    """The token's mall id, app client id and current permissions, and its installation, as
    the lookup row names them (what ``scopes.usable_scopes`` narrows the token to)."""
    malls, apps, installations = Mall.__table__, App.__table__, Installation.__table__
    return [
        malls.c.mall_id.label("lookup_mall_id"),
        apps.c.client_id.label("lookup_client_id"),
        apps.c.scope.label("lookup_app_scope"),
        installations.c.id.label("lookup_installation_pk"),
        installations.c.scope.label("lookup_installation_scope"),
    ]


def _with_owners(from_, *, outer: bool):
    """``from_`` (ending in ``tokens``) joined to the token's mall, app and installation."""
    tokens, malls, apps = Token.__table__, Mall.__table__, App.__table__
    installations = Installation.__table__
    joined = from_.outerjoin if outer else from_.join
    from_ = joined(malls, malls.c.id == tokens.c.mall_pk)
    joined = from_.outerjoin if outer else from_.join
    from_ = joined(apps, apps.c.id == tokens.c.app_pk)
    return from_.outerjoin(
        installations,
        and_(
            installations.c.mall_pk == tokens.c.mall_pk,
            installations.c.app_pk == tokens.c.app_pk,
        ),
    )


def _lookup(hash_column, token_columns: tuple[str, ...] | None = None):
    return (
        select(*_lookup_columns(token_columns))
        .select_from(_with_owners(Token.__table__, outer=False))
        .where(hash_column == bindparam("digest"))
    )


#: Built once: only the digest changes from call to call.
_LOOKUPS = {
    ACCESS_TOKEN: _lookup(Token.__table__.c.access_token_hash),
    REFRESH_TOKEN: _lookup(Token.__table__.c.refresh_token_hash),
}
#: ``fetch_for_admin_api``'s statement (the Admin API's list reads more with it on PostgreSQL:
#: ``admin_api/list_prefetch.py``).
ADMIN_API_LOOKUP = _lookup(Token.__table__.c.access_token_hash, ADMIN_API_COLUMNS)
