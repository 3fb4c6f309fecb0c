"""Storage of the code exchange (RFC 6749 §4.1.3): finding a presented code and consuming it.

The token endpoint's hot path, so both are Core statements built once (only the parameters
change from call to call) on the tables, returning plain rows without the ORM's unit of work:

- the lookup finds the code by its SHA-256 together with its app's installation on the mall
  (an outer join on the installations' unique index), one query for what Authlib's
  ``query_authorization_code`` and ``authenticate_user`` both need. It runs on the read-only
  engine (``readonly.py``), outside the write transaction: what it reads of the code never
  changes but ``used_at``, which it does not read, and the consume below is what decides
  whether the code is still unused and what the installation grants. So the write
  transaction (on SQLite, the one writer's lock: ``sqlite_writers.py``) starts at the consume;
- the consume is the conditional UPDATE that makes a code single-use, and it returns the
  installation's scopes as they are at that moment, so an uninstall that committed since the
  lookup is still seen (the code is then not used up: the caller rolls back). It runs in the
  caller's write transaction on the session engine (``write_path.py``), which it starts;
- given the token's and the audit event's rows, on PostgreSQL (psycopg) the consume first tries
  the exchange's writes all in one statement (``REDEEM``, data-modifying ``WITH``): consume the
  code if it is unused and the installation still grants the scopes the token was made for,
  and insert both rows from the consumed row, so they are written with it or not at all. One
  statement is atomic by itself, so it runs alone (``RawWrites.first_alone``): one round trip
  where BEGIN, UPDATE, two INSERTs and COMMIT were five. When it writes nothing (a replay, a
  concurrent redemption that won, an installation changed or removed since the lookup) the
  conditional UPDATE above follows and tells these apart as before. SQLite has no
  data-modifying ``WITH``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, update

from .. import readonly
from ..crypto import sha256_hex
from ..models import AuditEvent, AuthorizationCode, Installation, Token
from ..models.base import utcnow
from ..models.grants import AuthlibCode
from ..write_path import Writes

_CODES = AuthorizationCode.__table__
_INSTALLATIONS = Installation.__table__
_TOKENS = Token.__table__
_EVENTS = AuditEvent.__table__


@dataclass(frozen=True, slots=True)
class PresentedCode(AuthlibCode):
    """A stored code (Authlib's ``authorization_code``), and its app's installation then."""

    id: int
    app_pk: int
    mall_pk: int
    user_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime
    #: the installation's scopes (space-separated) when the code was looked up; ``None`` when
    #: the app is not installed on the mall (any more)
    installed_scope: str | None


def find_code(code: str) -> PresentedCode | None:
    """The code whose SHA-256 is stored, used or not (a replay is recognised by the consume)."""
    row = readonly.first(FIND_CODE, {"digest": sha256_hex(code)})
    return None if row is None else PresentedCode(*row)


@dataclass(frozen=True, slots=True)
class Consumed:
    """The outcome of :func:`consume`."""

    #: ``False``: the code was used before (a replay, or a concurrent redemption won)
    won: bool
    #: the installation's scopes at the moment of the consume, ``None`` if uninstalled
    installed_scope: str | None
    #: the token and event rows were written with the consume, and committed
    written: bool = False


def consume(
    code: PresentedCode,
    writes: Writes,
    token: dict[str, Any] | None = None,
    event: dict[str, Any] | None = None,
) -> Consumed:
    """Mark the code used unless it already is, in ``writes``' transaction; with the rows of
    ``token`` (``tokens.token_row``) and ``event`` (``audit.event_row``), made for the scopes
    ``code.installed_scope``, where one statement can write them too (see the module's
    docstring; ``Consumed.written``)."""
    now = utcnow()
    if token is not None and event is not None and code.installed_scope is not None:
        parameters = redeem_parameters(code, now, token, event)
        if writes.first_alone(REDEEM, parameters)[1] is not None:
            return Consumed(won=True, installed_scope=code.installed_scope, written=True)
        # Not run (SQLite; a session's transaction going), or it wrote nothing: the UPDATE
        # below says whether the code is used, and what the installation grants now.
    row = writes.first(CONSUME, consume_parameters(code, now))
    if row is None:
        return Consumed(won=False, installed_scope=None)
    return Consumed(won=True, installed_scope=row.installed_scope)


def consume_parameters(code: PresentedCode, now: datetime) -> dict[str, Any]:
    """:data:`CONSUME`'s parameters: mark ``code`` used at ``now``."""
    return {"code_pk": code.id, "now": now, "of_mall": code.mall_pk, "of_app": code.app_pk}


def redeem_parameters(
    code: PresentedCode, now: datetime, token: dict[str, Any], event: dict[str, Any]
) -> dict[str, Any]:
    """:data:`REDEEM`'s parameters: the consume's, for the installation's scopes as looked up,
    and the rows of ``token`` (``tokens.token_row``) and ``event`` (``audit.event_row``)."""
    parameters = consume_parameters(code, now)
    parameters["installed_scope"] = code.installed_scope
    parameters["event_created_at"] = now
    for key, name in _TOKEN_PARAMETERS:
        parameters[name] = token[key]
    for key, name in _EVENT_PARAMETERS:
        parameters[name] = event[key]
    return parameters


#: The columns of ``PresentedCode``, in its order (``token_prefetch.py`` reads them too).
#: installations.scope is NOT NULL, so a NULL ``installed_scope`` means "no installation".
FIND_CODE = (
    select(
        _CODES.c.id,
        _CODES.c.app_pk,
        _CODES.c.mall_pk,
        _CODES.c.user_id,
        _CODES.c.redirect_uri,
        _CODES.c.scope,
        _CODES.c.code_challenge,
        _CODES.c.code_challenge_method,
        _CODES.c.expires_at,
        _INSTALLATIONS.c.scope.label("installed_scope"),
    )
    .outerjoin(
        _INSTALLATIONS,
        and_(
            _INSTALLATIONS.c.mall_pk == _CODES.c.mall_pk,
            _INSTALLATIONS.c.app_pk == _CODES.c.app_pk,
        ),
    )
    .where(_CODES.c.code_hash == bindparam("digest"))
)

# The installation is named by parameters, not correlated to the updated row: SQLite's
# RETURNING clause is rendered without table names, which would make a correlated subquery
# compare the installations' own columns.
CONSUME = (
    update(_CODES)
    .where(_CODES.c.id == bindparam("code_pk"), _CODES.c.used_at.is_(None))
    .values(used_at=bindparam("now"))
    .returning(
        select(_INSTALLATIONS.c.scope)
        .where(
            _INSTALLATIONS.c.mall_pk == bindparam("of_mall"),
            _INSTALLATIONS.c.app_pk == bindparam("of_app"),
        )
        .scalar_subquery()
        .label("installed_scope")
    )
)


def _values(table: Any, parameters: list[tuple[str, str]]) -> list[Any]:
    """Typed placeholders for (column, parameter name) pairs of ``table``: psycopg's dialect
    renders each with its cast, so a NULL selected into an integer column is not taken for
    text."""
    return [bindparam(name, type_=table.c[key].type) for key, name in parameters]


#: The token row's columns filled from ``tokens.token_row`` (``code_pk`` is the consumed id).
_TOKEN_KEYS = [
    "family_id",
    "parent_id",
    "app_pk",
    "mall_pk",
    "user_id",
    "scope",
    "grant_scope",
    "access_token_hash",
    "refresh_token_hash",
    "issued_at",
    "access_expires_at",
    "refresh_expires_at",
]
#: The audit row's columns from ``audit.event_row``; ``created_at`` is set here (its
#: Python-side default is applied by an INSERT's own execution only).
_EVENT_KEYS = ["event", "actor", "mall_id", "client_id", "ip", "detail"]
#: (row key, REDEEM's parameter name), named once rather than on every exchange.
_TOKEN_PARAMETERS = [(key, "token_" + key) for key in _TOKEN_KEYS]
_EVENT_PARAMETERS = [(key, "event_" + key) for key in _EVENT_KEYS]

_CONSUMED = (
    update(_CODES)
    .where(
        _CODES.c.id == bindparam("code_pk"),
        _CODES.c.used_at.is_(None),
        exists().where(
            _INSTALLATIONS.c.mall_pk == bindparam("of_mall"),
            _INSTALLATIONS.c.app_pk == bindparam("of_app"),
            _INSTALLATIONS.c.scope == bindparam("installed_scope"),
        ),
    )
    .values(used_at=bindparam("now"))
    .returning(_CODES.c.id)
    .cte("consumed")
)

#: PostgreSQL only: one row (the code's id) when the code was consumed and both rows
#: inserted, none when nothing was written. Each INSERT selects from the consumed row, so it
#: inserts as many rows as the UPDATE changed: one or none.
REDEEM = select(_CONSUMED.c.id).add_cte(
    _TOKENS.insert()
    .from_select(
        [*_TOKEN_KEYS, "code_pk"],
        select(*_values(_TOKENS, _TOKEN_PARAMETERS), _CONSUMED.c.id),
    )
    .cte("issued"),
    _EVENTS.insert()
    .from_select(
        ["created_at", *_EVENT_KEYS],
        select(
            *_values(_EVENTS, [("created_at", "event_created_at"), *_EVENT_PARAMETERS])
        ).select_from(_CONSUMED),
    )
    .cte("recorded"),
)
