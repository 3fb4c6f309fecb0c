"""``tokens cleanup``: delete dead token rows, expired codes and expired consent requests.

Bounded memory and safe while serving: each batch selects at most ``batch_size`` primary keys
(walking the primary key upwards, so no row is scanned twice), deletes exactly those rows by
key and commits. Transactions are short and take only row locks; nothing locks a table.

What stays (DESIGN.md, "Lifetimes and rotation"):
- a token row while its access token or its refresh token is still alive;
- a rotated row until its refresh token would have expired: presenting a rotated-out refresh
  token again must find the row, to revoke the family (RFC 9700 §4.14.2);
- an authorization code until it expires, used or not (a used one is the tombstone that lets a
  replay revoke the tokens issued from it);
- a consent request until it expires (answered or not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, not_, select

from authserver.extensions import db
from authserver.models import AuthorizationCode, AuthorizationRequest, Token
from authserver.models.base import utcnow

DEFAULT_BATCH_SIZE = 1000


@dataclass
class CleanupResult:
    tokens: int = 0
    authorization_codes: int = 0
    authorization_requests: int = 0


def dead_token_condition(now: datetime):
    """Rows whose access token is no longer active and whose refresh token is no longer live
    (``models.Token``'s rules): a rotated refresh token stays until it expires, for reuse
    detection (RFC 9700 §4.14.2)."""
    return and_(not_(Token.access_active(now)), not_(Token.refresh_live(now)))


def _delete_in_batches(model, condition, batch_size: int, progress: Callable | None) -> int:
    """Delete ``model`` rows matching ``condition``, ``batch_size`` keys per transaction."""
    key = model.id
    last = None
    total = 0
    while True:
        query = select(key).where(condition).order_by(key).limit(batch_size)
        if last is not None:
            query = query.where(key > last)
        ids = list(db.session.scalars(query))
        if not ids:
            break
        deleted = db.session.execute(
            delete(model)
            .where(key.in_(ids), condition)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        total += deleted
        last = ids[-1]
        if progress:
            progress(model.__tablename__, total)
        if len(ids) < batch_size:
            break
    return total


def _conditions(now: datetime) -> list[tuple[type, object]]:
    """What each deletion removes, tokens first so the codes they point to go in the same run."""
    return [
        (Token, dead_token_condition(now)),
        (AuthorizationCode, not_(AuthorizationCode.unexpired(now))),
        (AuthorizationRequest, AuthorizationRequest.expires_at <= now),
    ]


def pending(now: datetime | None = None) -> int:
    """How many rows :func:`cleanup` would delete now (the CLI's progress bar length)."""
    now = now or utcnow()
    return sum(
        db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
        for model, condition in _conditions(now)
    )


def cleanup(
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> CleanupResult:
    """Run every deletion (:func:`_conditions`); ``progress(table, deleted_so_far)`` after
    each batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now or utcnow()
    db.session.commit()  # start from a clean transaction
    tokens, codes, requests = (
        _delete_in_batches(model, condition, batch_size, progress)
        for model, condition in _conditions(now)
    )
    return CleanupResult(tokens, codes, requests)
