"""The hot paths' reads: Core statements on a second engine in autocommit, with no ORM session.

Introspection, the Admin API's reads and the gateway check read a few rows per call and write
nothing. Through ``db.session`` each of those reads paid for an ORM session (created, joined to
a transaction, closed with a ROLLBACK at the end of the request): about 65 µs a statement on
SQLite, and on PostgreSQL the BEGIN and ROLLBACK round trips on top of the query's own. Here a
statement runs on a connection of an engine in autocommit mode, and the connection stays
checked out between statements (``HeldConnections``): SQLAlchemy's pool checkout and checkin
cost as much as the query itself.

The statements are built once at import, so after its first run through SQLAlchemy each one
runs on the DBAPI cursor of the held connection, compiled once (``prepared.py``): SQLAlchemy's
per-execution machinery (compiled cache, execution context, ``CursorResult``, ``Row``) cost
twice the driver's own execute and fetch. Introspection's one statement went from 45 to 18 µs
of CPU on SQLite (the driver's own share: 13 µs) and from 135 to 60 µs on PostgreSQL (49 µs).
Rows are namedtuples of the statement's column keys (``row.scope``, ``row[0]``,
``row._asdict()``), with the values ``Connection.execute`` gives. ``converted`` goes one step
further for a read that turns each row into its answer (the Admin API's list: a record's JSON
text): the answer is remembered by the row as the driver returns it (``prepared.Memo``), so a
row read again costs neither the result processors nor the conversion. The engine's
``before_cursor_execute`` and ``after_cursor_execute`` listeners still see every statement
(with no execution context, as their documentation allows): tests count and break statements
with them.

Autocommit changes no answer: under READ COMMITTED (PostgreSQL's default, and what SQLite's
autocommit reads see) every statement takes its own snapshot anyway, and these paths run one or
two statements. Anything that writes keeps using ``db.session`` and its transaction.

Database failures raise SQLAlchemy's exceptions as the session's do (a driver's error is
wrapped as ``Connection.execute`` wraps it), so ``errors.py`` answers them with the same 503;
the failed connection is discarded (on a disconnect, with every idle one: SQLAlchemy would
invalidate its whole pool), a connection idle for a second is pinged before use and one older
than ``pool_recycle`` replaced, as the session engine's pool does (``dbpool.py``), so a node
recovers from a database restart by itself.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.exc import InvalidRequestError

from .dbpool import PING_IDLE_SECONDS, watch_idle_connections
from .extensions import db
from .prepared import Memo, Prepared, prepare, wrapped_error

EXTENSION = "authserver.readonly_connections"
#: How many distinct statements get a ``Prepared``: the hot paths have about a dozen; a caller
#: building its statement per call would otherwise grow the cache without end.
MAX_PREPARED = 256

#: A row of a read: a namedtuple of the statement's column keys (or SQLAlchemy's ``Row`` for a
#: statement that runs through SQLAlchemy); both offer ``row.key``, ``row[i]``, ``row._asdict()``.
Record: TypeAlias = Any

_UNSEEN = object()


class HeldConnections:
    """Connections of one engine kept checked out between statements, in a free list.

    A statement takes the most recently used idle connection, or opens one; a connection that
    failed is discarded, and at most ``keep`` idle ones are kept (the peak concurrency of a
    worker: 1 under gunicorn's sync workers, its threads under gthread).
    """

    def __init__(self, engine: Engine, keep: int, recycle_seconds: float):
        self.engine = engine
        self.keep = keep
        self.recycle_seconds = recycle_seconds
        #: (connection, its DBAPI connection, opened at, last used at), most recently used last
        self._idle: list[tuple[Connection, Any, float, float]] = []
        #: statement -> its ``Prepared`` (``None``: SQLAlchemy runs it)
        self._prepared: dict[Executable, Prepared | None] = {}

    def run(
        self,
        statement: Executable,
        parameters: dict[str, Any] | None,
        fetch: str,
        memo: Memo | None = None,
        width: int = 0,
    ) -> Any:
        """Run ``statement`` and ``fetch`` its answer: ``"first"``, ``"rows"``, ``"scalar"``,
        ``"converted"`` (each row through ``memo``) or ``"head_converted"`` (see
        :func:`head_and_converted`)."""
        prepared = self._prepared.get(statement, _UNSEEN)
        if prepared is None or prepared is _UNSEEN:
            with self.connection() as connection:
                result = connection.execute(statement, parameters)
                if fetch == "converted":
                    answer = [memo.convert(row) for row in result]
                elif fetch == "head_converted":
                    found = list(result)
                    items = [memo.convert(row) for row in found if row[width] is not None]
                    answer = (found[0] if found else None, items)
                elif fetch == "rows":
                    answer = list(result)
                else:
                    answer = getattr(result, fetch)()
            if prepared is _UNSEEN and len(self._prepared) < MAX_PREPARED:
                # Compiled after a first run through SQLAlchemy: the dialect has met the
                # server by then (psycopg's reads the server version on first connect).
                self._prepared[statement] = prepare(statement, self.engine.dialect)
            return answer
        try:
            bound = prepared.bind(parameters)  # before taking a connection: not its fault
        except InvalidRequestError as error:  # a missing value: SQLAlchemy's StatementError
            raise wrapped_error(self.engine, prepared.sql, parameters, error, False) from error
        connection, dbapi_connection, opened = self._take()
        cursor = None
        try:
            cursor = dbapi_connection.cursor()
            answer = self._execute(connection, cursor, prepared, bound, fetch, memo, width)
            cursor.close()  # sqlite3 keeps a read snapshot open until its cursor is reset
        except BaseException as error:
            if cursor is not None:
                _close_quietly(cursor)
            failure = self._failed(connection, dbapi_connection, cursor, prepared.sql, bound, error)
            if failure is error:
                raise
            raise failure from error
        self._give_back(connection, dbapi_connection, opened)
        return answer

    def _execute(
        self, connection: Connection, cursor: Any, prepared: Prepared, bound, fetch, memo, width
    ):
        dispatch = self.engine.dispatch
        sql = prepared.sql
        if dispatch.before_cursor_execute:
            for listener in dispatch.before_cursor_execute:
                sql, bound = listener(connection, cursor, sql, bound, None, False)
        cursor.execute(sql, bound)
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, bound, None, False)
        if fetch == "converted":
            return prepared.converted(cursor, memo)
        if fetch == "head_converted":
            return prepared.head_and_converted(cursor, memo, width)
        return getattr(prepared, fetch)(cursor)

    def _failed(
        self, connection: Connection, dbapi_connection, cursor, sql: str, bound, error
    ) -> BaseException:
        """The exception to raise for ``error``: a driver's wrapped as ``Connection.execute``
        wraps it, anything else as it is; the connection is discarded whatever failed."""
        dialect = self.engine.dialect
        if not isinstance(error, dialect.loaded_dbapi.Error):
            self._discard(connection, error)
            return error
        disconnected = dialect.is_disconnect(error, dbapi_connection, cursor)
        self._discard(connection, error)
        if disconnected:
            self.close(invalidate=True)  # the others met the same restart, most likely
        failure = wrapped_error(self.engine, sql, bound, error, disconnected)
        return failure.with_traceback(error.__traceback__)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        connection, dbapi_connection, opened = self._take()
        try:
            yield connection
        except BaseException as error:
            self._discard(connection, error)  # whatever failed, it is not trusted again
            raise
        self._give_back(connection, dbapi_connection, opened)

    def _take(self) -> tuple[Connection, Any, float]:
        while self._idle:
            try:
                connection, dbapi_connection, opened, used = self._idle.pop()
            except IndexError:  # another thread took the last one
                break
            if time.monotonic() - used < PING_IDLE_SECONDS or self._alive(connection):
                return connection, dbapi_connection, opened
        connection = self.engine.connect()
        return connection, connection.connection.dbapi_connection, time.monotonic()

    def _give_back(self, connection: Connection, dbapi_connection: Any, opened: float) -> None:
        now = time.monotonic()
        if len(self._idle) < self.keep and now - opened < self.recycle_seconds:
            self._idle.append((connection, dbapi_connection, opened, now))
        else:
            connection.close()

    def _alive(self, connection: Connection) -> bool:
        try:
            self.engine.dialect.do_ping(connection.connection.dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure: discard it and open a new one
            self._discard(connection, error)
            return False
        return True

    @staticmethod
    def _discard(connection: Connection, error: BaseException | None = None) -> None:
        connection.invalidate(error if isinstance(error, Exception) else None)
        connection.close()

    def close(self, invalidate: bool = False) -> None:
        """Let go of the idle connections (``invalidate``: closing the DBAPI connections)."""
        while self._idle:
            try:
                connection, _, _, _ = self._idle.pop()
            except IndexError:
                break
            if invalidate:
                self._discard(connection)
            else:
                connection.close()


def _close_quietly(cursor: Any) -> None:
    """As SQLAlchemy closes a failed cursor: the error being handled matters, not this one."""
    with contextlib.suppress(Exception):  # a cursor of a broken connection may refuse
        cursor.close()


def engine(app: Flask) -> Engine:
    """The autocommit engine of ``app``'s hot-path reads."""
    return app.extensions[EXTENSION].engine


def first(statement: Executable, parameters: dict[str, Any] | None = None) -> Record | None:
    """The first row of a read-only ``statement``, or ``None``."""
    return current_app.extensions[EXTENSION].run(statement, parameters, "first")


def rows(statement: Executable, parameters: dict[str, Any] | None = None) -> list[Record]:
    """Every row of a read-only ``statement``."""
    return current_app.extensions[EXTENSION].run(statement, parameters, "rows")


def scalar(statement: Executable, parameters: dict[str, Any] | None = None) -> Any:
    """The first column of the first row of a read-only ``statement``, or ``None``."""
    return current_app.extensions[EXTENSION].run(statement, parameters, "scalar")


def converted(statement: Executable, parameters: dict[str, Any] | None, memo: Memo) -> list[Any]:
    """Every row of a read-only ``statement`` as ``memo.convert(row)``: a row the memo has met
    (equal as the driver returns it) costs neither the result processors nor the conversion."""
    return current_app.extensions[EXTENSION].run(statement, parameters, "converted", memo)


def head_and_converted(
    statement: Executable, parameters: dict[str, Any] | None, memo: Memo, width: int
) -> tuple[Record | None, list[Any]]:
    """For a read-only ``statement`` of one row (its first ``width`` columns) joined to items
    (the other columns; the first of them is NULL where no item joined): that row (``None``
    when there is none) and its items as :func:`converted` gives them, in the statement's order.

    The row's item columns are not to be read (``None``, or the first item's values)."""
    return current_app.extensions[EXTENSION].run(
        statement, parameters, "head_converted", memo, width
    )


def init_app(app: Flask) -> None:
    """Create the autocommit engine on the session engine's URL and pool settings."""
    with app.app_context():
        session_engine: Engine = db.engine
    url = session_engine.url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    keep = options.get("pool_size", 10)
    recycle = options.get("pool_recycle", -1)
    recycle = recycle if recycle > 0 else float("inf")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # Every connection to an in-memory database is a database of its own.
        readonly = session_engine
    else:
        readonly = create_engine(
            url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **options
        )
        if url.get_backend_name() != "sqlite":
            watch_idle_connections(readonly)
    held = HeldConnections(readonly, keep, recycle)

    def _disposed(_engine: Engine) -> None:
        # Whoever lets go of the session engine's connections (a test about to drop its
        # database, say) means these too.
        held.close()
        if readonly is not session_engine:
            readonly.dispose()

    event.listen(session_engine, "engine_disposed", _disposed)
    app.extensions[EXTENSION] = held
