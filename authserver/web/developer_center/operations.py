"""What the Developer Center and the review console do to an app: status moves, permission
changes, secret reissue and deletion, each with its audit event, in the caller's transaction.

The rules themselves live in ``app_status`` (who may move or delete) and ``scopes`` (the
catalogue); this module only applies them. Callers commit.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from authserver import scopes
from authserver.app_status import (
    LISTED,
    STATUS_LABELS,
    Actor,
    Status,
    approved_status,
    back_to_review,
    may_delete,
    may_transition,
)
from authserver.extensions import db
from authserver.models import App, AuthorizationCode, Installation, Token, utcnow
from authserver.security import audit


class Refused(Exception):
    """A move the status table does not allow; the message is for the person who tried."""


def change_status(app: App, target: Status, actor: Actor, who: str, reason: str | None = None):
    """Move ``app`` to ``target`` if DESIGN.md's status table lets ``actor`` do it."""
    if not may_transition(app.status, target, actor):
        raise Refused(f"An app that is {_label(app.status)} cannot be moved to {_label(target)}.")
    if target == Status.REVIEW_REJECTED and not (reason and reason.strip()):
        raise Refused("Give the reason for the rejection.")
    if target == Status.FOR_SALE and actor == Actor.REVIEWER:
        target = approved_status(app.review_return_status)
    app.rejection_reason = reason.strip() if target == Status.REVIEW_REJECTED else None
    if target in LISTED:
        app.review_return_status = None
    _move(app, target, who)


def _move(app: App, target: Status, who: str, **detail: str) -> None:
    """Set the app's status and record the move in the audit trail (with ``detail``)."""
    previous = app.status
    app.status = target.value
    audit.record(
        "app_status_changed",
        actor=who,
        client_id=app.client_id,
        previous=previous,
        status=target.value,
        **detail,
    )


#: Why a sold app's permissions may only shrink (DESIGN.md "Who may authorize").
SOLD_CANNOT_WIDEN = (
    "This app is sold: you can remove permissions but not add them. Operators who installed "
    "it can only re-consent to the permissions it already holds. Nothing was saved."
)


def set_permissions(app: App, new_scopes: list[str], who: str) -> int:
    """Register ``new_scopes``; narrow every installation at once. Returns how many
    installations lost a scope. A removed scope stops working at once for every issued token
    (``scopes.usable_scopes``: Admin API, gateway check, introspection); the next refresh
    issues narrowed tokens (oauth.grants).

    Widening is refused for a sold app (``Refused``, nothing changed), and sends a for-sale
    app back to review (as at Cafe24): new installs wait for a reviewer's approval, existing
    installations keep their tokens and scopes. Narrowing is immediate, in every status.
    """
    old = set(app.scopes)
    widened = bool(set(new_scopes) - old)
    if widened and Status.SOLD in (app.status, app.review_return_status):
        raise Refused(SOLD_CANNOT_WIDEN)  # also while a sold app waits for a re-review
    if widened and app.status == Status.FOR_SALE:
        send_back_to_review(app, who, "permissions widened")
    app.scope = scopes.to_string(new_scopes)
    kept = set(app.scopes)
    narrowed = 0
    if old - kept:
        query = select(Installation).where(Installation.app_pk == app.id)
        for installation in db.session.scalars(query):
            before = installation.scope
            installation.narrow_to(kept)
            narrowed += installation.scope != before
    if old != kept:
        audit.record(
            "app_permissions_changed",
            actor=who,
            client_id=app.client_id,
            added=scopes.normalise(kept - old),
            removed=scopes.normalise(old - kept),
            installations_narrowed=narrowed,
        )
    return narrowed


def send_back_to_review(app: App, who: str, reason: str) -> bool:
    """Move an approved (for-sale or sold) app back to review, remembering which it was
    (``app_status.back_to_review``); ``False`` when it was not approved and stays as it is."""
    target = back_to_review(app.status)
    if target is None:
        return False
    app.review_return_status = app.status
    _move(app, target, who, reason=reason)
    return True


def reissue_secret(app: App, who: str) -> str:
    """A new App Secret; the old one stops working at once. Tokens already issued live on.

    Cafe24: "when the App Secret Key is reissued, you need to be approved to properly use the
    app again": an app for sale or sold goes back to review (``send_back_to_review``).
    """
    secret = app.issue_secret()
    app.secret_reissued_at = utcnow()
    audit.record("secret_reissued", actor=who, client_id=app.client_id)
    send_back_to_review(app, who, "App Secret reissued")
    return secret


def delete_app(app: App, actor: Actor, who: str) -> None:
    """Delete ``app`` with its installations, codes and tokens.

    The foreign keys cascade too (SQLite with ``foreign_keys=ON``, PostgreSQL), but the rows
    are deleted explicitly first so that revocation never depends on the database's settings.
    """
    if not may_delete(app.status, actor):
        if actor == Actor.DEVELOPER:
            raise Refused(
                "An app that is for sale can be deleted only by the platform. "
                "Ask platform staff to delete it."
            )
        raise Refused("Reviewers delete only apps that are for sale.")
    audit.record("app_deleted", actor=who, client_id=app.client_id, status=app.status)
    db.session.execute(delete(Token).where(Token.app_pk == app.id))
    db.session.execute(delete(AuthorizationCode).where(AuthorizationCode.app_pk == app.id))
    db.session.execute(delete(Installation).where(Installation.app_pk == app.id))
    db.session.delete(app)


def _label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)].lower()
    except ValueError:
        return status
