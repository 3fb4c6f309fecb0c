"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """Naive UTC, the one form every timestamp column holds (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)


#: Naive UTC, as the columns hold it.
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def epoch_seconds(moment: datetime) -> int:
    """Naive UTC (as stored) -> integer Unix seconds (RFC 7662 §2.2 and RFC 7519 ``exp``,
    ``iat``).

    Naive arithmetic: a fifth of the cost of ``int(moment.replace(tzinfo=UTC).timestamp())``,
    the same whole seconds (every stored moment is after 1970).
    """
    return (moment - _EPOCH) // _SECOND
