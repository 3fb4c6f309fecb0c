"""App status: DESIGN.md's status table and who may authorize an app where, in one place."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    IN_PRODUCTION = "in_production"
    UNDER_REVIEW = "under_review"
    REVIEW_REJECTED = "review_rejected"
    FOR_SALE = "for_sale"
    SOLD = "sold"


class Actor(StrEnum):
    DEVELOPER = "developer"
    REVIEWER = "reviewer"


#: (from, to) -> who may make the move. The CLI, as platform staff, may set any status.
TRANSITIONS: dict[tuple[Status, Status], Actor] = {
    (Status.IN_PRODUCTION, Status.UNDER_REVIEW): Actor.DEVELOPER,
    (Status.UNDER_REVIEW, Status.FOR_SALE): Actor.REVIEWER,
    (Status.UNDER_REVIEW, Status.REVIEW_REJECTED): Actor.REVIEWER,
    (Status.REVIEW_REJECTED, Status.UNDER_REVIEW): Actor.DEVELOPER,
    (Status.FOR_SALE, Status.SOLD): Actor.REVIEWER,
}

STATUS_LABELS: dict[Status, str] = {
    Status.IN_PRODUCTION: "In production",
    Status.UNDER_REVIEW: "Under review",
    Status.REVIEW_REJECTED: "Review rejected",
    Status.FOR_SALE: "For sale",
    Status.SOLD: "Sold",
}


def may_transition(current: str, target: str, actor: Actor) -> bool:
    try:
        move = (Status(current), Status(target))
    except ValueError:
        return False
    return TRANSITIONS.get(move) == actor


def may_delete(status: str, actor: Actor) -> bool:
    """A developer deletes an app in any status but for sale; a reviewer deletes a for-sale one."""
    if actor == Actor.REVIEWER:
        return status == Status.FOR_SALE
    return status != Status.FOR_SALE


#: The statuses of an app that was approved: sent back to review from one of them (its App
#: Secret reissued, its permissions widened), it remembers which (``App.review_return_status``).
LISTED = frozenset({Status.FOR_SALE, Status.SOLD})
#: Why an app waiting for a re-review cannot be installed on a new mall (the authorize error).
AWAITING_REREVIEW = (
    "This app is back under review (its App Secret was reissued or its permissions widened): "
    "it cannot be installed on new malls until the platform approves it again."
)


def back_to_review(status: str) -> Status | None:
    """Where a developer's reissue of the App Secret (Cafe24: "you need to be approved to
    properly use the app again") or widening of a for-sale app's permissions sends it: review,
    when it was listed; ``None`` when it stays where it is (not yet approved, or already
    waiting for a review)."""
    return Status.UNDER_REVIEW if status in LISTED else None


def approved_status(returns_to: str | None) -> Status:
    """What a reviewer's approval makes an app: for sale, or, when a sold app came back to
    review, sold again (approval does not put an ended sale back on sale)."""
    return Status.SOLD if returns_to == Status.SOLD else Status.FOR_SALE


def reconsents_only(status: str, returns_to: str | None, *, is_developers_test_mall: bool) -> bool:
    """Whether operators may only re-consent to the scopes their installation holds: a sold
    app, and an app waiting for a re-review (nothing unapproved is granted meanwhile) except
    on its developer's test malls, where it is tried before the review."""
    return status == Status.SOLD or (returns_to is not None and not is_developers_test_mall)


def may_authorize(
    status: str,
    *,
    is_developers_test_mall: bool,
    installed_on_mall: bool,
    returns_to: str | None = None,
) -> bool:
    """DESIGN.md, "Who may authorize".

    A for-sale app on any mall; an app in an earlier status only on its developer's own test
    malls; a sold app only where it is still installed (re-consent), nowhere new. An app that
    was listed and is back in review (``returns_to``, see :func:`back_to_review`) keeps its
    installations (re-consent) and its developer's test malls, and no new mall installs it.
    """
    if status == Status.FOR_SALE:
        return True
    if status == Status.SOLD:
        return installed_on_mall
    if returns_to is not None:
        return installed_on_mall or is_developers_test_mall
    return is_developers_test_mall
