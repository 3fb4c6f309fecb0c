"""Authorization codes at the token endpoint (RFC 6749 §4.1.3): finding one and redeeming it.

- The lookup finds a code by its SHA-256 together with its app's installation on the mall (an
  outer join on the installations' unique index): one query for what Authlib's
  ``query_authorization_code`` and ``authenticate_user`` both need, on the read engine
  (``reads.py``). What it reads of the code never changes but ``used_at``, which the redemption
  decides on.
- The redemption consumes the code with a conditional UPDATE (single use, RFC 6749 §10.5) and
  stores the token and audit rows in the same transaction, so they are written with the
  consume or not at all. It returns the installation's scopes at that moment, so an uninstall
  that committed since the lookup is still seen (nothing is then written).
- On PostgreSQL the three writes go in one statement first (data-modifying ``WITH``): consume
  the code if it is unused and the installation still grants the scopes the token was made for,
  and insert both rows from the consumed row. One statement is atomic by itself, so it runs in
  autocommit on the request's read connection: one round trip where BEGIN, UPDATE, two INSERTs
  and COMMIT were five. When it writes nothing (a replay, a concurrent redemption that won, an
  installation changed since the lookup) the transaction above runs and tells these apart.
  SQLite has no data-modifying ``WITH``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, select, update

from authserver.extensions import db
from authserver.models import AuditEvent, AuthorizationCode, Installation, Token
from authserver.models.base import utcnow
from authserver.models.grants import AuthlibCode
from authserver.security.crypto import sha256_hex
from authserver.store.reads import reader

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
    #: ``AuthorizationCode.unexpired`` when the code was looked up
    unexpired: bool
    #: the installation's scopes (space-separated) when the code was looked up; ``None`` when
    #: the app is not installed on the mall (any more)
    installed_scope: str | None

    @classmethod
    def from_row(cls, row: Row, prefix: str = "") -> PresentedCode:
        """The code in ``row``, whose columns are named ``prefix`` + the field's name."""
        return cls(**{item.name: getattr(row, prefix + item.name) for item in fields(cls)})


#: The columns of ``PresentedCode`` (the token endpoint's one statement reads them too).
#: installations.scope is NOT NULL, so a NULL ``installed_scope`` means "no installation".
CODE_COLUMNS = (
    _CODES.c.id,
    _CODES.c.app_pk,
    _CODES.c.mall_pk,
    _CODES.c.user_id,
    _CODES.c.redirect_uri,
    _CODES.c.scope,
    _CODES.c.code_challenge,
    _CODES.c.code_challenge_method,
    _CODES.c.expires_at,
    AuthorizationCode.unexpired(bindparam("now")).label("unexpired"),
    _INSTALLATIONS.c.scope.label("installed_scope"),
)


def with_installation(from_: Any) -> Any:
    """``from_`` (ending in ``authorization_codes``) outer-joined to the code's app's
    installation on the code's mall (the installations' unique index)."""
    return from_.outerjoin(
        _INSTALLATIONS,
        and_(
            _INSTALLATIONS.c.mall_pk == _CODES.c.mall_pk,
            _INSTALLATIONS.c.app_pk == _CODES.c.app_pk,
        ),
    )


FIND = (
    select(*CODE_COLUMNS)
    .select_from(with_installation(_CODES))
    .where(_CODES.c.code_hash == bindparam("digest"))
)


def find(code: str) -> PresentedCode | None:
    """The code stored under the SHA-256 of ``code``, used or not (the redemption decides)."""
    digest = sha256_hex(code)

    def load() -> PresentedCode | None:
        row = reader().first(FIND, {"digest": digest, "now": utcnow()})
        return None if row is None else PresentedCode.from_row(row)

    return reader().lookup("code", digest, load)


@dataclass(frozen=True, slots=True)
class Redeemed:
    """The outcome of :func:`redeem`."""

    #: ``False``: the code was used before (a replay, or a concurrent redemption won)
    won: bool
    #: the installation's scopes at the moment of the consume, ``None`` if uninstalled
    installed_scope: str | None
    #: the token and event rows were written with the consume, and committed
    written: bool = False


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

#: The token row's columns that ``REDEEM`` fills from the caller's row (``code_pk`` is the
#: consumed id), and the audit row's; each as a typed parameter, so psycopg casts a NULL right.
_TOKEN_KEYS = (
    "family_id", "parent_id", "app_pk", "mall_pk", "user_id", "scope", "grant_scope",
    "access_token_hash", "refresh_token_hash", "issued_at", "access_expires_at",
    "refresh_expires_at",
)  # fmt: skip
_EVENT_KEYS = ("event", "actor", "mall_id", "client_id", "ip", "detail")

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
#: PostgreSQL only: one row (the code's id) when the code was consumed and both rows inserted,
#: none when nothing was written. Each INSERT selects from the consumed row, so it inserts as
#: many rows as the UPDATE changed: one or none.
REDEEM = select(_CONSUMED.c.id).add_cte(
    _TOKENS.insert()
    .from_select(
        [*_TOKEN_KEYS, "code_pk"],
        select(
            *(bindparam(f"token_{key}", type_=_TOKENS.c[key].type) for key in _TOKEN_KEYS),
            _CONSUMED.c.id,
        ),
    )
    .cte("issued"),
    _EVENTS.insert()
    .from_select(
        ["created_at", *_EVENT_KEYS],
        select(
            bindparam("now", type_=_EVENTS.c.created_at.type),
            *(bindparam(f"event_{key}", type_=_EVENTS.c[key].type) for key in _EVENT_KEYS),
        ).select_from(_CONSUMED),
    )
    .cte("recorded"),
)


#: Makes the rows to store for the installation's scopes: ``(token row, audit row)``.
RowMaker = Callable[[str], tuple[dict[str, Any], dict[str, Any]]]


def redeem(code: PresentedCode, make_rows: RowMaker) -> Redeemed:
    """Consume ``code`` and store the rows ``make_rows(installed_scope)`` gives (a ``tokens``
    row and an audit row), all or nothing, committed.

    ``make_rows`` is called with the installation's scopes as looked up, and once more with
    the scopes at the consume when they changed in between. A lost consume (``won=False``) or
    an installation removed since the lookup (``installed_scope=None``) writes nothing.
    """
    consume = {"code_pk": code.id, "now": utcnow(), "of_mall": code.mall_pk, "of_app": code.app_pk}
    made: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def rows_for(installed_scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if installed_scope not in made:
            made[installed_scope] = make_rows(installed_scope)
        return made[installed_scope]

    # The rows are made before anything is written: making a JWT reads (and the first time
    # adds) its signing key through the session, which then commits with the writes.
    if code.installed_scope is not None:
        token, event = rows_for(code.installed_scope)
    session = db.session()
    if (
        code.installed_scope is not None
        and db.engine.dialect.name == "postgresql"
        and not session.in_transaction()  # alone only when nothing must commit with it
    ):
        parameters = dict(consume, installed_scope=code.installed_scope)
        parameters.update({f"token_{key}": token[key] for key in _TOKEN_KEYS})
        parameters.update({f"event_{key}": event[key] for key in _EVENT_KEYS})
        if reader().first(REDEEM, parameters) is not None:
            return Redeemed(won=True, installed_scope=code.installed_scope, written=True)
    if session.in_transaction():  # its writes and these commit together
        return _consume_and_store(session, consume, rows_for, session.commit, session.rollback)
    # A Core transaction of the session's engine: the ORM's unit of work has nothing to do here.
    with db.engine.connect() as connection:
        return _consume_and_store(
            connection, consume, rows_for, connection.commit, connection.rollback
        )


def _consume_and_store(
    executor: Any,
    consume: dict[str, Any],
    rows_for: RowMaker,
    commit: Callable[[], None],
    rollback: Callable[[], None],
) -> Redeemed:
    """The conditional UPDATE, then the two rows, committed together, on ``executor`` (a
    ``Connection`` or the ``Session``); nothing written when the consume is lost or the app
    was uninstalled since the lookup."""
    row = executor.execute(CONSUME, consume).first()
    if row is None or row.installed_scope is None:
        rollback()  # a lost consume changed nothing; an uninstalled one is kept
        return Redeemed(won=row is not None, installed_scope=None)
    token, event = rows_for(row.installed_scope)
    executor.execute(_TOKENS.insert(), token)
    executor.execute(_EVENTS.insert(), event)
    commit()
    return Redeemed(won=True, installed_scope=row.installed_scope, written=True)
