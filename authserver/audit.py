"""Recording security events (login, consent, token issued, reuse detected, ...)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent


def record(
    event: str,
    *,
    actor: str | None = None,
    mall_id: str | None = None,
    client_id: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the current transaction; the caller's commit stores it with its cause."""
    entry = AuditEvent(
        event=event,
        actor=actor,
        mall_id=mall_id,
        client_id=client_id,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail or None,
    )
    db.session.add(entry)
    return entry
