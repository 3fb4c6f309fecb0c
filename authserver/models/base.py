"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Row
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

Model = TypeVar("Model")


def utcnow() -> datetime:
    """Naive UTC, the one form every timestamp column holds (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)


def attach_row(model: type[Model], row: Row) -> Model:
    """A Core query's row of ``model``'s table as a persistent instance, as if the ORM had
    loaded it: ``merge(load=False)`` brings a known row into the session without a query.
    Columns the row leaves out load lazily on first access, as deferred columns do.

    For hot paths whose one indexed lookup should skip the ORM's statement building and row
    processing.
    """
    instance = model(**row._asdict())
    make_transient_to_detached(instance)
    return db.session.merge(instance, load=False)
