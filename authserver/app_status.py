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


def may_authorize(status: str, *, is_developers_test_mall: bool, installed_on_mall: bool) -> bool:
    """DESIGN.md, "Who may authorize".

    A for-sale app on any mall; an app in an earlier status only on its developer's own test
    malls; a sold app only where it is still installed (re-consent), nowhere new.
    """
    if status == Status.FOR_SALE:
        return True
    if status == Status.SOLD:
        return installed_on_mall
    return is_developers_test_mall
