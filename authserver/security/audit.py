"""Security events (SECURITY.md issue 5, point 8): recording them, listing them for the CLI
``audit list`` and the review console's ``/review/audit``.

Every event has a time, an actor (``developer:<email>``, ``operator:<user id>``,
``reviewer:<email>``, ``app:<client_id>``, ``cli``), the mall and app when there is one, and the
source address; ``detail`` holds counts and names, never a secret (codes, tokens, App Secrets,
verifiers and passwords are never passed here).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import AuditEvent

#: The security events and what they mean (the review page's filter lists these).
EVENTS = {
    "login": "an account logged in",
    "login_failed": "a wrong password or unknown account",
    "consent": "an operator approved an app's scopes",
    "token_issued": "an access and refresh token pair was issued",
    "code_replay": "a used code was presented again; its tokens were revoked",
    "refresh_reuse": "a rotated refresh token was presented again; its family was revoked",
    "token_revoked": "an app revoked a token (RFC 7009)",
    "secret_reissued": "an App Secret was reissued",
    "app_status_changed": "an app moved in the review status table",
    "uninstall": "an operator uninstalled an app; its tokens were revoked",
    "sessions_ended": "platform staff ended every login session of an account",
    "developer_signed_up": "a developer account was created by sign-up",
    "developer_signup_taken": "a sign-up named an email that already has an account",
    "app_created": "a developer registered an app",
    "app_permissions_changed": "a developer changed an app's scopes",
    "app_updated": "a developer changed an app's settings",
    "app_deleted": "an app was deleted",
    "test_mall_created": "a developer created a test mall",
    "gateway_created": "platform staff created a gateway credential",
    "gateway_rotated": "platform staff issued a new gateway secret",
    "gateway_deleted": "platform staff deleted a gateway credential",
    "token_format_changed": "platform staff switched an app between opaque and JWT tokens",
    "encryption_keys_rotated": "platform staff re-encrypted every App Secret with the newest key",
    "signing_key_rotated": "platform staff made a new JWT signing key",
}


def record(
    event: str,
    *,
    actor: str | None = None,
    mall_id: str | None = None,
    client_id: str | None = None,
    **detail: Any,
) -> None:
    """Add an event to the session's transaction; the caller's commit stores it with its cause.

    A Core INSERT executed at once (nothing reads the row back), not an ORM object flushed at
    commit: the unit of work costs more than the statement. The code exchange runs
    :data:`INSERT` with :func:`event_row` in its redemption (``store/codes.py``).
    """
    db.session.execute(
        INSERT, event_row(event, actor=actor, mall_id=mall_id, client_id=client_id, **detail)
    )


def event_row(
    event: str,
    *,
    actor: str | None = None,
    mall_id: str | None = None,
    client_id: str | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """The parameters of :data:`INSERT` for an event. An event about an app with no other
    actor was caused by the app (``app:<client_id>``)."""
    if actor is None and client_id:
        actor = f"app:{client_id}"
    return {
        "event": event,
        "actor": actor,
        "mall_id": mall_id,
        "client_id": client_id,
        "ip": request.remote_addr if has_request_context() else None,
        "detail": detail or None,
    }


INSERT = AuditEvent.__table__.insert()


def recent(event: str | None = None, limit: int = 100) -> list[AuditEvent]:
    """The newest events first, optionally of one kind."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if event:
        query = query.where(AuditEvent.event == event)
    return list(db.session.scalars(query.limit(max(1, min(limit, 1000)))))


def as_dict(entry: AuditEvent) -> dict[str, Any]:
    return {
        "time": entry.created_at.isoformat(timespec="seconds"),
        "event": entry.event,
        "actor": entry.actor,
        "mall_id": entry.mall_id,
        "client_id": entry.client_id,
        "ip": entry.ip,
        "detail": entry.detail or {},
    }
