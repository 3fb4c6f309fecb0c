"""The code exchange's write transaction, run on a DBAPI connection of the session engine.

A code exchange writes three rows' worth in one transaction: the conditional UPDATE that
consumes the code, the token INSERT and the audit INSERT, then COMMIT. Through ``db.session``
that cost about 290 µs of CPU on SQLite, of which the driver's own work is about 46 µs: the
rest is the session, the ``Connection``'s transaction and SQLAlchemy's per-execution machinery
(compiled cache, execution context, ``CursorResult``). Here, as ``readonly.py`` and
``prepared.py`` do for the hot reads, the statements are compiled once per dialect and run on
the cursor of a connection checked out from the session engine's pool:

- the SQL is what ``Connection.execute`` sends for the same parameter keys (``column_keys``),
  the values go through the types' bind processors (``prepared._binder``: JSON, SQLite's
  DATETIME strings), and the Python-side column defaults an INSERT would fill (``created_at``)
  are filled the same way, at execution; RETURNING rows come back with the result processors
  (``prepared.Prepared``). An INSERT is compiled ``inline``: PostgreSQL then gets no implicit
  ``RETURNING id`` that nobody reads. tests/test_write_path.py compares rows written both ways;
- the transaction is the DBAPI connection's own: on SQLite, Python's sqlite3 opens it before
  the first write, and the connection (``sqlite_writers.SerialisedWriters``) takes the
  cross-process writer lock there and releases it at commit or rollback; on psycopg, the first
  statement opens it. Leaving the block without :meth:`RawWrites.commit` rolls back;
- the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners still see each
  statement (tests count and break statements with them); a driver's error is wrapped as
  ``Connection.execute`` wraps it (``errors.py`` answers a database failure with a 503), the
  transaction rolled back and the connection discarded (on a disconnect the pool's other
  connections are marked stale, as SQLAlchemy does).

A statement that does all of a transaction's work by itself (on PostgreSQL, data-modifying
``WITH``: the code exchange's ``code_store.REDEEM``) needs no transaction around it, as every
statement is atomic. :meth:`RawWrites.first_alone` runs one so on psycopg, in autocommit
(``_AUTOCOMMIT``, the one psycopg-specific part): psycopg sends ``BEGIN`` as a round trip of its
own and ``COMMIT`` as another, so a statement alone is one round trip where a transaction of it
is three.

A driver other than the two the suite runs on gets :class:`SessionWrites`: the same calls on
``db.session``, as before; so does a request whose session already began a transaction (a JWT
client's exchange reads the signing keys there, and the first one ever adds its key). Every
other writer keeps using ``db.session``.
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Dialect, Engine, Executable

from .extensions import db
from .prepared import DRIVERS, Prepared, _binder, wrapped_error

EXTENSION = "authserver.write_path"
#: How many (statement, parameter keys) get a compiled ``Statement`` kept: the exchange has
#: four; a caller building its statement per call would otherwise grow the cache without end.
MAX_STATEMENTS = 64
#: The drivers whose connections run a statement as a transaction of its own, with no BEGIN
#: and COMMIT sent, when their ``autocommit`` attribute is set (psycopg's is a plain setting,
#: applied without a round trip). Python's sqlite3 has no such attribute before 3.12, and there
#: a write transaction begins with the writer's lock (``sqlite_writers.py``) anyway.
_AUTOCOMMIT = frozenset({"psycopg"})


class Statement:
    """One DML statement (or a SELECT whose ``WITH`` writes) compiled for one dialect and one
    set of parameter keys."""

    __slots__ = ("sql", "bind", "defaults", "returning")

    def __init__(self, statement: Executable, dialect: Dialect, keys: tuple[str, ...]):
        is_insert = getattr(statement, "is_insert", False)
        if is_insert:
            statement = statement.inline()  # type: ignore[attr-defined]
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        binds = compiled.bind_names
        if (
            compiled.literal_execute_params
            or compiled.post_compile_params
            or any(bind.expanding or bind.callable is not None for bind in binds)
        ):
            raise ValueError(f"not reproduced on the DBAPI cursor: {compiled.string}")
        by_name = {name: bind for bind, name in binds.items()}
        if compiled.positional:
            names, placeholders = list(compiled.positiontup or ()), None
        else:
            names = list(by_name)
            placeholders = [compiled.escaped_bind_names.get(name, name) for name in names]
        self.sql: str = compiled.string
        self.bind = _binder(dialect, [by_name[name] for name in names], placeholders)
        #: (key, function) for each column whose Python-side default the execution fills
        prefetch = compiled.insert_prefetch if is_insert else compiled.update_prefetch
        self.defaults = [(column.key, _default(column, is_insert)) for column in prefetch]
        self.returning: Prepared | None = None
        columns = list(compiled.returning or ())
        keys = [column.key for column in columns]
        selected = getattr(statement, "selected_columns", None)  # a SELECT whose WITH writes
        if not columns and selected is not None:
            columns, keys = list(selected), list(selected.keys())
        if columns:
            row_class = namedtuple("Returned", keys)
            types = [column.type for column in columns]
            self.returning = Prepared(self.sql, self.bind, row_class, types, dialect)

    def parameters(self, parameters: Mapping[str, Any]) -> Any:
        """The driver's parameters, defaults filled as the execution would have."""
        if self.defaults:
            parameters = dict(parameters)
            for key, default in self.defaults:
                parameters[key] = default()
        return self.bind(parameters)


def _default(column: Any, is_insert: bool) -> Callable[[], Any]:
    default = column.default if is_insert else column.onupdate
    if default is not None and default.is_scalar:
        value = default.arg
        return lambda: value
    # SQLAlchemy wraps a default that takes no argument in a function of the execution
    # context; one that wants the context has none here.
    plain = getattr(default.arg, "__wrapped__", None) if default is not None else None
    if default is None or not default.is_callable or plain is None:
        raise ValueError(f"column default not reproduced on the DBAPI cursor: {column}")
    return plain


class RawWrites:
    """One transaction on a DBAPI connection of the session engine (use as ``with``).

    The connection comes from the engine's pool as it is (``raw_connection``: the pool's
    checkout and checkin events, pings and recycling apply), without a ``Connection`` around
    it, which costs as much again; one is made only for listeners that want it.
    """

    __slots__ = ("_engine", "_statements", "_pooled", "_dbapi", "_connection", "_began", "_alone")

    def __init__(self, engine: Engine, statements: dict[Any, Statement]):
        self._engine = engine
        self._statements = statements
        self._pooled: Any = None  # the pool's proxy of the DBAPI connection
        self._dbapi: Any = None
        self._connection: Connection | None = None  # for the listeners only
        self._began = False  # whether a statement ran on the connection
        self._alone = False  # whether the connection is in autocommit (``first_alone``)

    def __enter__(self) -> RawWrites:
        self._pooled = self._engine.raw_connection()
        self._dbapi = self._pooled.dbapi_connection
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self._end(rollback=True, raising=error is None)

    def first(self, statement: Executable, parameters: Mapping[str, Any]) -> Any:
        """Run ``statement`` (with RETURNING) and give its first row, or ``None``."""
        return self._run(statement, parameters, True)

    def execute(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        self._run(statement, parameters, False)

    def first_alone(self, statement: Executable, parameters: Mapping[str, Any]) -> tuple[bool, Any]:
        """``(True, first row or None)`` when ``statement`` ran as a transaction of its own,
        committed when this returns, in one round trip: as the first statement, on a driver of
        ``_AUTOCOMMIT``. Otherwise ``(False, None)``, and nothing ran. For a statement that
        does all of its writes by itself; the ones after it make a transaction as usual."""
        if self._began or self._engine.dialect.driver not in _AUTOCOMMIT:
            return False, None
        self._dbapi.autocommit = self._alone = True
        row = self._run(statement, parameters, True)  # on an error, the connection is gone
        self._dbapi.autocommit = self._alone = False
        return True, row

    def commit(self) -> None:
        try:
            self._dbapi.commit()
        except BaseException as error:
            raise self._failed(error, None, "COMMIT", ()) from error
        self._end(rollback=False, raising=True)

    def _prepared(self, statement: Executable, parameters: Mapping[str, Any]) -> Statement:
        key = (statement, tuple(parameters))
        found = self._statements.get(key)
        if found is None:
            # The connection is open by now, so the dialect has met the server.
            found = Statement(statement, self._engine.dialect, key[1])
            if len(self._statements) < MAX_STATEMENTS:
                self._statements[key] = found
        return found

    def _run(self, statement: Executable, parameters: Mapping[str, Any], fetch: bool) -> Any:
        self._began = True
        prepared = self._prepared(statement, parameters)
        sql, bound, cursor = prepared.sql, None, None
        try:
            bound = prepared.parameters(parameters)
            cursor = self._dbapi.cursor()
            dispatch = self._engine.dispatch
            if dispatch.before_cursor_execute:
                connection = self._listeners_connection()
                for listener in dispatch.before_cursor_execute:
                    sql, bound = listener(connection, cursor, sql, bound, None, False)
            cursor.execute(sql, bound)
            if dispatch.after_cursor_execute:
                connection = self._listeners_connection()
                dispatch.after_cursor_execute(connection, cursor, sql, bound, None, False)
            row = prepared.returning.first(cursor) if fetch and prepared.returning else None
            cursor.close()  # sqlite3 cannot commit while a statement is still stepping
        except BaseException as error:
            if cursor is not None:
                with contextlib.suppress(Exception):
                    cursor.close()
            failure = self._failed(error, cursor, sql, bound)
            if failure is error:
                raise
            raise failure from error
        return row

    def _listeners_connection(self) -> Connection:
        """The ``Connection`` the listeners get, around the pooled connection (never closed:
        closing it would check the pooled connection in)."""
        if self._connection is None:
            self._connection = Connection(self._engine, self._pooled)
        return self._connection

    def _failed(self, error: BaseException, cursor: Any, sql: str, bound: Any) -> BaseException:
        """What to raise for ``error``: a driver's error wrapped as ``Connection.execute`` wraps
        it (the connection discarded), anything else as it is (rolled back, given back)."""
        dialect = self._engine.dialect
        if not isinstance(error, dialect.loaded_dbapi.Error):
            self._end(rollback=True, raising=False)
            return error
        disconnected = dialect.is_disconnect(error, self._dbapi, cursor)
        self._discard(error, disconnected)
        failure = wrapped_error(self._engine, sql, bound, error, disconnected)
        return failure.with_traceback(error.__traceback__)

    def _end(self, rollback: bool, raising: bool) -> None:
        """Give the connection back, rolling back first unless committed; a failed rollback
        discards it, and raises only when no other exception is on its way."""
        pooled = self._pooled
        if pooled is None:
            return
        if rollback:
            try:
                self._dbapi.rollback()  # a no-op without an open transaction, on both drivers
            except BaseException as error:
                failure = self._failed(error, None, "ROLLBACK", ())
                if raising:
                    raise failure from error
                return
        if self._alone:  # a statement alone failed with an error not the driver's
            try:
                self._dbapi.autocommit = self._alone = False
            except BaseException as error:  # the connection is not fit to be pooled again
                self._discard(error, disconnected=False)
                if raising:
                    raise
                return
        self._pooled = self._dbapi = self._connection = None
        pooled.close()  # back to the pool, which resets it (a no-op rollback)

    def _discard(self, error: BaseException, disconnected: bool) -> None:
        pooled, dbapi = self._pooled, self._dbapi
        self._pooled = self._dbapi = self._connection = None
        if pooled is None:
            return
        with contextlib.suppress(Exception):  # a broken connection may refuse this too
            dbapi.rollback()
        if disconnected:  # as Connection does: the others met the same restart, most likely
            self._engine.pool._invalidate(pooled, error, _checkin=False)
        pooled.invalidate(error if isinstance(error, Exception) else None)  # closes, checks in


class SessionWrites:
    """The same calls on ``db.session``: for a driver ``RawWrites`` does not reproduce, and
    when the request's session has a transaction going already, so that what it holds
    commits with the exchange's writes or not at all (the first JWT ever signed adds its
    signing key there; on SQLite a second transaction would also wait for the first's lock)."""

    __slots__ = ("_committed",)

    @staticmethod
    def first_alone(statement: Executable, parameters: Mapping[str, Any]) -> tuple[bool, Any]:
        """Never alone: what the session holds commits with the writes."""
        return False, None

    def __enter__(self) -> SessionWrites:
        self._committed = False
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if not self._committed:
            db.session.rollback()

    def first(self, statement: Executable, parameters: Mapping[str, Any]) -> Any:
        return db.session.execute(statement, parameters).first()

    def execute(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        db.session.execute(statement, parameters)

    def commit(self) -> None:
        db.session.commit()
        self._committed = True


#: A write transaction, either way.
Writes = RawWrites | SessionWrites


def transaction() -> Writes:
    """A write transaction on the session engine: ``with transaction() as writes: ...``."""
    # The app's session engine never changes (Flask-SQLAlchemy makes it once per app), so it
    # is looked up once, with whether its driver is one this reproduces.
    state = current_app.extensions.get(EXTENSION)
    if state is None:
        engine = db.engine
        raw = engine.dialect.driver in DRIVERS
        state = current_app.extensions[EXTENSION] = (engine, {}, raw)
    engine, statements, raw = state
    if raw and not _session_in_transaction():
        return RawWrites(engine, statements)
    return SessionWrites()


def _session_in_transaction() -> bool:
    """Whether this request's session began a transaction (asked without making a session)."""
    registry = db.session.registry
    return registry.has() and registry().in_transaction()
