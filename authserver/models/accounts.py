"""People who sign in: app developers, platform reviewers and mall operators."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from authserver.extensions import db
from authserver.models.base import utcnow


class PasswordMixin:
    """A slow password hash (werkzeug's scrypt); the plain password is never stored.

    ``session_epoch`` is the account's session generation: every login session carries the
    value it was opened with and counts only while it is still the current one, so bumping it
    (``end_sessions``: logout, a new password, staff) ends every session of the account.
    """

    password_hash: Mapped[str] = mapped_column(String(255))
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """End every session of this account, on every device (committed by the caller)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


@cache
def _unknown_account_hash() -> str:
    return generate_password_hash("not a real password")


def check_unknown_account_password(password: str) -> bool:
    """Check ``password`` against a hash no account has, as slowly as a real check, so that a
    sign-in naming an unknown account takes as long as one with a wrong password (no timing
    oracle on which accounts exist). Always ``False``. The hash is made on a process's first
    call, not at import: scrypt takes about 0.1 s, which every worker, CLI command and test
    server paid twice at start-up (two copies of this rule) whether anyone signed in or not."""
    check_password_hash(_unknown_account_hash(), password)
    return False


def default_display_name(email: str) -> str:
    """The name shown for an account that chose none: the email's local part (the part before
    the ``@``), so the address itself is never shown to operators."""
    return email.partition("@")[0][:DISPLAY_NAME_MAX] or "developer"


#: The longest display name (the column's width; the sign-up and account forms check it).
DISPLAY_NAME_MAX = 100


def _display_name_default(context) -> str:
    return default_display_name(context.get_current_parameters()["email"])


class Developer(PasswordMixin, db.Model):
    __tablename__ = "developers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Shown to operators on the consent page and to reviewers; the email stays private.
    display_name: Mapped[str] = mapped_column(
        String(DISPLAY_NAME_MAX), default=_display_name_default
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    apps = relationship("App", back_populates="developer", cascade="all, delete-orphan")
    test_malls = relationship("Mall", back_populates="test_mall_of")

    # Flask-Login: developers and reviewers share one session namespace, told apart by prefix.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"developer:{self.id}:{self.session_epoch}"


class Reviewer(PasswordMixin, db.Model):
    """Platform staff: reviews apps, ends sales, deletes for-sale apps."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"reviewer:{self.id}:{self.session_epoch}"


class Operator(PasswordMixin, db.Model):
    """A mall's admin account: consents to apps, launches and uninstalls them."""

    __tablename__ = "operators"
    __table_args__ = (UniqueConstraint("mall_pk", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mall = relationship("Mall", back_populates="operators")
