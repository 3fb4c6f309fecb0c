"""An Admin API list call in one statement on PostgreSQL: the token's lookup row and the page.

A list call (``GET .../products``) reads the token's lookup row (``auth.py``) and then the page
of records (``records.list_json``): on PostgreSQL two round trips, and a round trip costs
about 50 µs of the client's CPU and as much of the server's. Here the lookup row comes with the page
in one statement: the records hang off the token's row by a ``LEFT JOIN LATERAL``, read only
where the call would succeed (the token unrevoked and unexpired, of the URL's mall, its app
installed there, and the scope the path needs, from the Python scope map, among the token's,
the installation's and the app's current scopes: ``scopes.usable_scopes`` in SQL). That gate
is a condition on the token's row alone, so PostgreSQL skips the records' scan when it fails:
a call refused for a missing scope reads no record, as before.

The gate decides nothing: ``auth.py`` and ``views.enforce`` run every check on the token's
columns exactly as with the plain lookup, in the same order. The page is used only when those
checks let the call through and the gate passed too (``prefetched``); should they ever disagree,
``views._list`` reads the page as before (``records.list_json``), so the answer never depends
on the gate. The records' rows are the list statement's own (``records.page_select``) and go
through the same memo, keyed by the same columns as the driver returns them.

Where the gate refuses, the statement still costs a little more than the plain lookup (its
joins are planned and started), so a token refused for a scope at a mall gets the plain lookup
on its next calls there (``_REFUSED``): a call refused again costs what it did before.

SQLite has no round trips to save (nor ``LATERAL``): it keeps the two statements.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import (
    ARRAY,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    true,
)

from .. import readonly
from ..models import App, Installation, Mall, Token
from ..oauth.token_lookup import ADMIN_API_LOOKUP, fetch_for_admin_api
from ..readonly import Record
from . import records
from .resources import Resource

_TOKENS, _MALLS, _INSTALLATIONS = Token.__table__, Mall.__table__, Installation.__table__
_APPS = App.__table__
#: In the SQL, not a parameter: every value the statement binds is the caller's.
_SPACE = literal_column("' '", Text)


def _holds_scope(scopes: Any) -> Any:
    """``:scope`` is one of the space-separated ``scopes`` (a space-separated list is how all
    three columns store them; any other spacing only fails the gate, which costs the second
    read)."""
    return bindparam("scope", type_=String) == any_(
        func.string_to_array(scopes, _SPACE, type_=ARRAY(Text))
    )


#: The call would succeed: what ``auth.authenticate`` and the scope check of
#: ``views.enforce`` require, on the token's lookup row (by the database's clock, in UTC as the
#: tokens' dates: should it differ from this process's, a call only reads a page it does not
#: show, or reads its page by the second statement).
_GATE = and_(
    _TOKENS.c.access_revoked_at.is_(None),
    _TOKENS.c.access_expires_at > func.timezone(literal_column("'UTC'"), func.now()),
    _MALLS.c.mall_id == bindparam("mall_id"),
    _INSTALLATIONS.c.id.is_not(None),
    _holds_scope(_TOKENS.c.scope),
    _holds_scope(_INSTALLATIONS.c.scope),
    _holds_scope(_APPS.c.scope),
)


def _statement(per_app: bool, gate: Any = _GATE) -> Any:
    app_pk = _TOKENS.c.app_pk if per_app else None
    page = records.page_select(_TOKENS.c.mall_pk, app_pk, gate).lateral("page")
    # A record came only through the gate: the gate is evaluated again only for a row without
    # one (an empty page, or a refused call).
    passed = case((page.c.record_no.is_not(None), true()), else_=gate)
    return (
        ADMIN_API_LOOKUP.add_columns(passed.label("records_gate"), *page.c)
        .outerjoin(page, true())
        .order_by(page.c.record_no)
    )


#: By whether the resource's records are per app; built once, as every hot-path statement.
_STATEMENTS = {per_app: _statement(per_app) for per_app in (False, True)}
#: The lookup row's columns and the gate: the head of every row (``readonly.head_and_converted``).
_WIDTH = len(ADMIN_API_LOOKUP.selected_columns) + 1
#: (token digest, mall id, scope) whose lookup the gate refused: the call fails (no such scope,
#: a revoked token, ...), so the plain lookup serves it next time, at a plain lookup's cost (the
#: one statement costs about 15 µs more where it reads no record). A hint only: should the
#: call succeed after all (an installation granted the scope since), it reads its page as
#: without the one statement. At most ``REFUSED_SIZE`` kept; a full set starts over.
_REFUSED: set[tuple[str, str, str]] = set()
REFUSED_SIZE = 1024


class Listing(NamedTuple):
    """The list a call asks for, as ``views.enforce`` resolved it."""

    resource: Resource
    #: the scope the call needs (``scope_map``)
    scope: str
    limit: int
    offset: int


class _Page(NamedTuple):
    mall_pk: int
    app_pk: int
    path: str
    limit: int
    offset: int
    zone: ZoneInfo
    texts: list[str]


def enabled() -> bool:
    """Whether list calls read their page with the token (PostgreSQL's read engine)."""
    return readonly.engine(current_app).dialect.name == "postgresql"


def lookup(digest: str, mall_id: str, listing: Listing) -> Record | None:
    """``token_lookup.fetch_for_admin_api(digest)``'s row (with more columns), reading the page
    of ``listing`` with it when the call at ``mall_id`` would succeed (kept for ``prefetched``)."""
    refused = (digest, mall_id, listing.scope)
    if refused in _REFUSED:
        return fetch_for_admin_api(digest)
    resource, zone = listing.resource, records.time_zone()
    parameters = {
        "digest": digest,
        "mall_id": mall_id,
        "scope": listing.scope,
        "resource": resource.path,
        "limit": listing.limit,
        "offset": listing.offset,
    }
    row, texts = readonly.head_and_converted(
        _STATEMENTS[resource.per_app], parameters, records.list_memo(resource, zone), _WIDTH
    )
    if row is None:
        return None
    if row.records_gate:
        g.admin_list_page = _Page(
            row.mall_pk, row.app_pk, resource.path, listing.limit, listing.offset, zone, texts
        )
    else:
        if len(_REFUSED) >= REFUSED_SIZE:
            _REFUSED.clear()
        _REFUSED.add(refused)
    return row


def prefetched(
    mall_pk: int, app_pk: int, resource: Resource, limit: int, offset: int, zone: ZoneInfo
) -> list[str] | None:
    """The page ``records.list_json`` would read, when this call's lookup read it already."""
    page: _Page | None = g.get("admin_list_page")
    if page is not None and page[:6] == (mall_pk, app_pk, resource.path, limit, offset, zone):
        return page.texts
    return None
