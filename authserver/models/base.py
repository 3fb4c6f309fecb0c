"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the one form every timestamp column holds (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)
