"""The request's reads: one connection of the autocommit read engine, and the rows it has read.

Introspection, the Admin API's reads, the gateway check and the token endpoint's lookups read a
few rows per call and write nothing. Through ``db.session`` each of those requests paid for an
ORM session and its transaction: on PostgreSQL a BEGIN and a ROLLBACK round trip around the
query. Here they run as SQLAlchemy Core statements (``Connection.execute``, with SQLAlchemy's own
compiled cache) on a connection of a second engine in autocommit mode, checked out on the
request's first read and given back when the request ends (the Flask tutorial's ``get_db``
pattern). Autocommit changes no answer: under READ COMMITTED, PostgreSQL's default and what
SQLite's autocommit reads see, every statement takes its own snapshot anyway.

The :class:`Reader` also remembers the rows it has read, by what they were looked up by: a view
that reads several rows in one statement (introspection reads the mall, the gateway and the
token at once, ``store.prime``) hands each to the lookup that would otherwise query it, so that
Authlib's hooks (``query_client``, client authentication, ``query_token``) keep asking for
their rows as usual and every check keeps its order. Anything that writes uses ``db.session``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, g
from sqlalchemy import Engine, Executable, Row, create_engine, event

from authserver.extensions import db
from authserver.platform.current import this_app, this_g
from authserver.store.dbpool import watch_idle_connections

ENGINE = "authserver.read_engine"
T = TypeVar("T")


class Reader:
    """One request's reads: a connection taken on first use, and the rows read by key."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection = None
        self.remembered: dict[tuple[str, Any], Any] = {}

    def execute(self, statement: Executable, parameters: dict[str, Any] | None = None):
        if self.connection is None:
            self.connection = self.engine.connect()
        return self.connection.execute(statement, parameters or {})

    def first(self, statement: Executable, parameters: dict[str, Any] | None = None) -> Row | None:
        return self.execute(statement, parameters).first()

    def all(self, statement: Executable, parameters: dict[str, Any] | None = None) -> list[Row]:
        return list(self.execute(statement, parameters))

    def scalar(self, statement: Executable, parameters: dict[str, Any] | None = None) -> Any:
        return self.execute(statement, parameters).scalar()

    def remember(self, kind: str, key: Any, value: Any) -> None:
        """Keep ``value`` as the answer to the lookup of ``kind`` by ``key`` in this request."""
        self.remembered[(kind, key)] = value

    def lookup(self, kind: str, key: Any, load: Callable[[], T]) -> T:
        """The row of ``kind`` found by ``key``: remembered, or ``load()`` (then remembered)."""
        try:
            return self.remembered[(kind, key)]
        except KeyError:
            value = self.remembered[(kind, key)] = load()
            return value

    def close(self) -> None:
        connection, self.connection = self.connection, None
        self.remembered.clear()
        if connection is not None:
            connection.close()


def reader() -> Reader:
    """This request's (or CLI command's) :class:`Reader`, made on first use."""
    state = this_g()
    found = state.get("store_reader")
    if found is None:
        found = state.store_reader = Reader(read_engine(this_app()))
    return found


def read_engine(app: Flask) -> Engine:
    """The autocommit engine the reads of ``app`` run on."""
    return app.extensions[ENGINE]


def _close_reader(_error: BaseException | None = None) -> None:
    found = g.pop("store_reader", None)
    if found is not None:
        found.close()


def init_app(app: Flask) -> None:
    """Create the autocommit read engine on the session engine's URL and pool settings."""
    with app.app_context():
        session_engine: Engine = db.engine
    url = session_engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # Every connection to an in-memory database is a database of its own.
        engine = session_engine
    else:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        # Autocommit: nothing to roll back when a connection goes back to the pool.
        engine = create_engine(
            url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **options
        )
        if url.get_backend_name() != "sqlite":
            watch_idle_connections(engine)

        @event.listens_for(session_engine, "engine_disposed")
        def _dispose_too(_engine: Engine) -> None:
            # Whoever lets go of the session engine's connections (a test about to drop its
            # database, say) means these too.
            engine.dispose()

    app.extensions[ENGINE] = engine
    app.teardown_appcontext(_close_reader)
