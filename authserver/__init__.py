"""authserver: an OAuth 2.0 authorization server for a shop platform's app ecosystem."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import ratelimit, sessions
from .config import load_config
from .crypto import SecretBox
from .extensions import csrf, db, login_manager, migrate
from .http import AuthServerFlask, request_class_for
from .i18n import init_app as init_i18n

#: Alembic's scripts ship inside the package, so ``init-db`` works from an installed wheel too.
MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: ``flask --app authserver run`` and ``wsgi.py`` both call it."""
    app = AuthServerFlask(__name__, instance_relative_config=True)
    if os.environ.get("AUTHSERVER_INSTANCE_PATH"):
        app.instance_path = os.environ["AUTHSERVER_INSTANCE_PATH"]
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    app.request_class = request_class_for(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    from . import dbpool, readonly

    dbpool.init_app(app)
    readonly.init_app(app)
    sessions.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    ratelimit.init_app(app)
    app.extensions["authserver.secrets"] = SecretBox.from_config(
        app.config["AUTHSERVER_ENCRYPTION_KEYS"], app.instance_path
    )

    from . import (
        admin_api,
        developer_center,
        gateway,
        headers,
        limits,
        login,
        mall_admin,
        oauth,
        review,
    )
    from .errors import register_error_handlers
    from .icons import bp as icons_bp
    from .openapi import init_app as init_openapi

    del login  # imported for its Flask-Login user loader
    init_i18n(app)
    oauth.init_app(app)
    mall_admin.init_app(app)
    developer_center.init_app(app)
    review.init_app(app)
    admin_api.init_app(app)
    gateway.init_app(app)
    init_openapi(app)
    app.register_blueprint(icons_bp)
    headers.init_app(app)
    limits.init_app(app)
    register_error_handlers(app)
    from . import ops

    ops.init_app(app)

    from .cli import register_commands

    register_commands(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers run while one writer commits; foreign keys make cascades real.

    ``synchronous=NORMAL`` is SQLite's recommended setting in WAL mode: a commit no longer waits
    for an fsync of the log (only checkpoints do), and the database cannot be corrupted by a
    crash; a power loss may undo the last transactions before the checkpoint. The single-use
    code stays single-use either way (the consuming UPDATE and the token are one transaction).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
