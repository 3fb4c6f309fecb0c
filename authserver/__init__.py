"""authserver: an OAuth 2.0 authorization server for a shop platform's app ecosystem."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from authserver.config import load_config
from authserver.extensions import csrf, db, login_manager, migrate
from authserver.platform import sessions
from authserver.platform.http import AuthServerFlask
from authserver.platform.i18n import init_app as init_i18n
from authserver.security import ratelimit
from authserver.security.crypto import SecretBox

#: Alembic's scripts ship inside the package, so ``init-db`` works from an installed wheel too.
MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: ``authserver run`` and ``wsgi.py`` both call it."""
    app = AuthServerFlask(__name__, instance_relative_config=True)
    if os.environ.get("AUTHSERVER_INSTANCE_PATH"):
        app.instance_path = os.environ["AUTHSERVER_INSTANCE_PATH"]
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    _make_private(app.instance_path, 0o700)
    app.config.update(load_config(app.instance_path, config))
    _create_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    from authserver import store
    from authserver.store import dbpool

    dbpool.init_app(app)
    store.init_app(app)
    sessions.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    ratelimit.init_app(app)
    app.extensions["authserver.secrets"] = SecretBox.from_config(
        app.config["AUTHSERVER_ENCRYPTION_KEYS"], app.instance_path
    )

    from authserver import admin_api, gateway, oauth
    from authserver.openapi import init_app as init_openapi
    from authserver.platform import headers, limits
    from authserver.platform.errors import register_error_handlers
    from authserver.web import chrome, developer_center, guides, landing, login, mall_admin, review
    from authserver.web.icons import bp as icons_bp

    del login  # imported for its Flask-Login user loader
    init_i18n(app)
    chrome.init_app(app)
    oauth.init_app(app)
    mall_admin.init_app(app)
    developer_center.init_app(app)
    guides.init_app(app)
    landing.init_app(app)
    review.init_app(app)
    admin_api.init_app(app)
    gateway.init_app(app)
    init_openapi(app)
    app.register_blueprint(icons_bp)
    headers.init_app(app)
    limits.init_app(app)
    register_error_handlers(app)
    from authserver.platform import ops

    ops.init_app(app)

    from authserver.cli.commands import register_commands

    register_commands(app)
    return app


def _make_private(path: str, mode: int) -> None:
    """Tighten a file or folder of ours that other users could read (SECURITY.md: the instance
    folder holds the keys and the database); one owned by someone else is left as it is."""
    status = os.stat(path)
    if status.st_uid == os.getuid() and status.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def _create_sqlite_file(uri: str) -> None:
    """Create a SQLite database file 0600 before the driver does (it would use the umask,
    usually 0644), or tighten an existing one; its -wal and -shm files take its mode."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    if url.database.startswith("file:"):  # a URI filename: left to the driver
        return
    try:
        os.close(os.open(url.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _make_private(url.database, 0o600)
    except FileNotFoundError:  # its folder does not exist: the driver's error, at connect
        return


#: SQLite's log is checkpointed once it holds this many pages (see _sqlite_pragmas).
WAL_CHECKPOINT_PAGES = 8000
#: Bytes the log is truncated back to after a checkpoint, when it grew past them.
WAL_SIZE_LIMIT = 64 * 1024 * 1024


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers run while one writer commits; foreign keys make cascades real.

    ``synchronous=NORMAL`` is SQLite's recommended setting in WAL mode: a commit no longer waits
    for an fsync of the log (only checkpoints do), and the database cannot be corrupted by a
    crash; a power loss may undo the last transactions before the checkpoint. The single-use
    code stays single-use either way (the consuming UPDATE and the token are one transaction).

    The log is copied back into the database (a checkpoint, run by the commit that passes
    ``wal_autocheckpoint`` pages, while that writer still holds the writer lock) every 8000
    pages, not SQLite's 1000: a code exchange writes 13 pages, mostly the same few (the last
    leaf of each table and index), and a checkpoint copies each page once and syncs twice, so
    per exchange it costs 20 µs CPU and 48 µs wall where it cost 42 and 100 (once every 600
    exchanges, 30 ms wall, instead of every 77, 8 ms). Reads do not slow down (introspection's
    CPU and an uncached point read measured the same with 0 to 15,000 frames in the log). The
    log file stays at most about 33 MB; ``journal_size_limit`` truncates it back to 64 MB after
    a larger burst (a big transaction, or a checkpoint a long read kept from finishing) and
    never in between, so the file is not regrown on every cycle. The checkpoint stays under the
    writer lock on purpose: SQLite restarts the log from its start only after a checkpoint that
    no write overtook, and checkpoints run beside two steady writers let it grow to 140 MB in
    2 seconds (under the lock: 8 MB, one interval's worth).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
