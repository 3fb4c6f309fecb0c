"""Database connections: liveness pings only for idle connections; no transaction on read paths.

``pool_pre_ping`` sends a ``SELECT 1`` round trip before every checkout, i.e. on every request
(Flask-SQLAlchemy returns the connection to the pool at the end of each one). Here a connection
idle for less than ``PING_IDLE_SECONDS`` is handed out as it is (HikariCP's
``aliveBypassWindowMs`` does the same): under load nothing is pinged, after a pause or an outage
every connection is pinged before use, and one that fails is replaced (SQLAlchemy retries the
checkout with a fresh connection). A connection that dies within the window fails its request
(a 503 on the OAuth endpoints), and SQLAlchemy then invalidates the whole pool, so a node still
recovers from a database restart by itself (tests/test_ops.py).

On PostgreSQL the read-only hot paths (introspection, Admin API GET and HEAD) run their few
SELECTs in autocommit mode: psycopg then sends no ``BEGIN`` before the first and SQLAlchemy no
``ROLLBACK`` when the connection goes back to the pool, two of the four or five round trips of
such a request. Under READ COMMITTED every statement takes its own snapshot anyway, so the
answers are the same. Anything that writes keeps its transaction.
"""

from __future__ import annotations

import time

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from .extensions import db
from .sqlite_writers import serialise_writers

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


#: Endpoints that only read, whatever the method, and blueprints that only read on GET/HEAD.
READ_ONLY_ENDPOINTS = frozenset({"oauth.introspect"})
READ_ONLY_ON_GET = frozenset({"admin_api"})


def _autocommit_read_paths(endpoint: str | None, values) -> None:
    """Before the first statement of the request (app-level, ahead of every blueprint's)."""
    if endpoint in READ_ONLY_ENDPOINTS or (
        request.blueprint in READ_ONLY_ON_GET and request.method in ("GET", "HEAD")
    ):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def init_app(app: Flask) -> None:
    """For every server database (SQLite files need no liveness check, and keep transactions;
    their writers queue on a file lock instead of polling, ``sqlite_writers.py``)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        serialise_writers(engine)
    else:
        watch_idle_connections(engine)
    if engine.dialect.name == "postgresql":
        app.url_value_preprocessor(_autocommit_read_paths)
