"""The database schema: bring a database to the newest migration, and compare it with the models.

``init-db`` (and ``demo``, the benchmark, the multi-node test) call :func:`upgrade_database`,
which runs Alembic's ``upgrade head`` (Flask-Migrate, scripts in ``authserver/migrations``). A
database created by ``db.create_all()`` before migrations existed has the tables but no
``alembic_version``: when it matches the models exactly it is stamped at head instead (adopted),
otherwise the command stops and says so rather than guess.
"""

from __future__ import annotations

from typing import Any

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from authserver.extensions import db, migrate


class SchemaMismatch(RuntimeError):
    """An unversioned database whose tables differ from the models."""


def schema_differences() -> list[Any]:
    """Alembic's autogenerate comparison of the database with the models; empty when equal."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def upgrade_database() -> str:
    """Upgrade to head (idempotent); ``"current"`` (nothing to do), ``"upgraded"`` or
    ``"adopted"`` (stamped at head).

    A database already at head is left to itself: Alembic is not even started, so ``make run``
    prints its INFO lines only on a start that migrates something (issue 19).
    """
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current and current == set(ScriptDirectory.from_config(migrate.get_config()).get_heads()):
        return "current"
    if "alembic_version" not in tables and tables & set(db.metadata.tables):
        differences = schema_differences()
        if differences:
            raise SchemaMismatch(
                "the database has tables but no migration history, and they differ from the "
                f"models ({len(differences)} differences, first: {differences[0]!r}); migrate "
                "it by hand or start from an empty database"
            )
        flask_migrate.stamp(revision="head")
        return "adopted"
    flask_migrate.upgrade(revision="head")
    return "upgraded"
