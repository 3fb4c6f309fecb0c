"""The hot paths' reads: Core statements on a second engine in autocommit, with no ORM session.

Introspection, the Admin API's reads and the gateway check read a few rows per call and write
nothing. Through ``db.session`` each of those reads paid for an ORM session (created, joined to
a transaction, closed with a ROLLBACK at the end of the request): about 65 µs a statement on
SQLite, and on PostgreSQL the BEGIN and ROLLBACK round trips on top of the query's own. Here a
statement runs on a connection of an engine in autocommit mode, and the connection stays
checked out between statements (``HeldConnections``): SQLAlchemy's pool checkout and checkin
cost as much as the query itself. About 20 µs a statement on SQLite, one round trip on
PostgreSQL.

Autocommit changes no answer: under READ COMMITTED (PostgreSQL's default, and what SQLite's
autocommit reads see) every statement takes its own snapshot anyway, and these paths run one or
two statements. Anything that writes keeps using ``db.session`` and its transaction.

Database failures raise SQLAlchemy's exceptions as the session's do, so ``errors.py`` answers
them with the same 503; the failed connection is discarded, a connection idle for a second is
pinged before use and one older than ``pool_recycle`` replaced, as the session engine's pool
does (``dbpool.py``), so a node recovers from a database restart by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, Executable, Row, create_engine, event

from .dbpool import PING_IDLE_SECONDS, watch_idle_connections
from .extensions import db

EXTENSION = "authserver.readonly_connections"


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
        #: (connection, opened at, last used at), most recently used last
        self._idle: list[tuple[Connection, float, float]] = []

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        connection, opened = self._take()
        try:
            yield connection
        except BaseException:
            connection.invalidate()  # whatever failed, this connection is not trusted again
            connection.close()
            raise
        now = time.monotonic()
        if len(self._idle) < self.keep and now - opened < self.recycle_seconds:
            self._idle.append((connection, opened, now))
        else:
            connection.close()

    def _take(self) -> tuple[Connection, float]:
        while self._idle:
            try:
                connection, opened, used = self._idle.pop()
            except IndexError:  # another thread took the last one
                break
            if time.monotonic() - used < PING_IDLE_SECONDS or self._alive(connection):
                return connection, opened
        return self.engine.connect(), time.monotonic()

    def _alive(self, connection: Connection) -> bool:
        try:
            self.engine.dialect.do_ping(connection.connection.dbapi_connection)
        except Exception:  # noqa: BLE001 - any failure: discard it and open a new one
            connection.invalidate()
            connection.close()
            return False
        return True

    def close(self) -> None:
        while self._idle:
            try:
                connection, _, _ = self._idle.pop()
            except IndexError:
                break
            connection.close()


def engine(app: Flask) -> Engine:
    """The autocommit engine of ``app``'s hot-path reads."""
    return app.extensions[EXTENSION].engine


def first(statement: Executable, parameters: dict[str, Any] | None = None) -> Row | None:
    """The first row of a read-only ``statement``, or ``None``."""
    with current_app.extensions[EXTENSION].connection() as connection:
        return connection.execute(statement, parameters).first()


def rows(statement: Executable, parameters: dict[str, Any] | None = None) -> list[Row]:
    """Every row of a read-only ``statement``."""
    with current_app.extensions[EXTENSION].connection() as connection:
        return list(connection.execute(statement, parameters))


def scalar(statement: Executable, parameters: dict[str, Any] | None = None) -> Any:
    """The first column of the first row of a read-only ``statement``, or ``None``."""
    with current_app.extensions[EXTENSION].connection() as connection:
        return connection.execute(statement, parameters).scalar()


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
