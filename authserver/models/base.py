"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Row, inspect
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

Model = TypeVar("Model")


def utcnow() -> datetime:
    """Naive UTC, the one form every timestamp column holds (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)


def attach_row(model: type[Model], row: Row) -> Model:
    """A Core query's row of ``model``'s table (with its ``id``) as a persistent instance, as if
    the ORM had loaded it: the instance the session already has for that row, else one made from
    the row and added as loaded, without a query. Columns the row leaves out load lazily on first
    access, as deferred columns do.

    For hot paths whose one indexed lookup should skip the ORM's statement building and row
    processing (``merge(load=False)`` would copy every attribute once more).
    """
    session = db.session
    key = inspect(model).identity_key_from_primary_key((row.id,))
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    instance = model(**row._asdict())
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
