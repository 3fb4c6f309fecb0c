"""Database connections: liveness pings only for the connections that sat idle.

``pool_pre_ping`` sends a ``SELECT 1`` round trip before every checkout, i.e. on every request
(Flask-SQLAlchemy returns the connection to the pool at the end of each one). Here a connection
idle for less than ``PING_IDLE_SECONDS`` is handed out as it is (HikariCP's
``aliveBypassWindowMs`` does the same): under load nothing is pinged, after a pause or an outage
every connection is pinged before use, and one that fails is replaced (SQLAlchemy retries the
checkout with a fresh connection). A connection that dies within the window fails its request
(a 503 on the OAuth endpoints), and SQLAlchemy then invalidates the whole pool, so a node still
recovers from a database restart by itself (tests/test_ops.py).

The hot paths' reads run outside any transaction on an engine of their own: ``store/reads.py``.
"""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from authserver.extensions import db
from authserver.store.sqlite_writers import serialise_writers

PING_IDLE_SECONDS = 1.0


def watch_idle_connections(engine: Engine, idle_seconds: float = PING_IDLE_SECONDS) -> None:
    """Ping connections of ``engine`` at checkout when idle for ``idle_seconds`` or longer."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _mark_idle(dbapi_connection, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # fresh from connect, or busy a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool retries with a new connection
            raise DisconnectionError("idle connection failed its ping") from error


def init_app(app: Flask) -> None:
    """For every server database (SQLite files need no liveness check, and keep transactions;
    their writers queue on a file lock instead of polling, ``sqlite_writers.py``)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        serialise_writers(engine)
    else:
        watch_idle_connections(engine)
