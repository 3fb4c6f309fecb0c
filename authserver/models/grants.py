"""Pending consent requests, authorization codes and tokens; secrets stored only as SHA-256.

The rules about them are written once, here, as hybrid methods: the same definition is a Python
test on a row object and a SQL condition on the table (``Token.access_active(now)``), so the
hot-path lookups (``authserver/store``), the grants, introspection, the Admin API and the
cleanup command all decide alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    select,
    text,
    update,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from authserver.extensions import db
from authserver.models.base import utcnow
from authserver.security.crypto import sha256_hex


class AuthorizationRequest(db.Model):
    """A validated authorization request waiting for the operator's decision.

    The consent form's submission is matched to this row (kept server-side, never rebuilt from
    hidden fields); answering it is a conditional update, so a double submit yields one code.
    """

    __tablename__ = "authorization_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"))
    operator_pk: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]

    @classmethod
    def answer(cls, request_id: str) -> bool:
        """Mark answered; ``False`` when another submission answered it first."""
        result = db.session.execute(
            update(cls)
            .where(cls.id == request_id, cls.answered_at.is_(None), cls.expires_at > utcnow())
            .values(answered_at=utcnow())
        )
        return result.rowcount == 1


class AuthlibCode:
    """Authlib's AuthorizationCodeMixin over ``redirect_uri`` and ``scope`` attributes: the ORM
    row below and the token endpoint's plain row (``store/codes.py``) share it."""

    __slots__ = ()

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> None:
        return None


class AuthorizationCode(AuthlibCode, db.Model):
    """RFC 6749 §4.1.2: short-lived, single use, bound to client, redirect URI, mall, operator.

    A used code stays as a tombstone until it expires, so a replay can be recognised and the
    tokens issued from it revoked (RFC 6749 §10.5).
    """

    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]

    app = relationship("App")
    mall = relationship("Mall")

    @hybrid_method
    def unexpired(self, now: datetime) -> bool:
        """RFC 6749 §4.1.2: a code may be redeemed only before it expires (60 s); a used one
        stays until then as the tombstone that recognises a replay."""
        return self.expires_at > now

    @unexpired.inplace.expression
    @classmethod
    def _unexpired_condition(cls, now: Any) -> ColumnElement[bool]:
        return cls.expires_at > now


class Token(db.Model):
    """An access token and its refresh token, with separate expiry and revocation.

    Every token issued from one authorization code shares a ``family_id``; rotation adds a row
    to the family and marks the previous refresh token rotated. Presenting a rotated refresh
    token again revokes the whole family (RFC 9700 §4.14.2).
    """

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_family", "family_id"),
        # Deleting a row sets its successors' parent_id to NULL: without this index every
        # deleted row costs a scan of the table (``tokens cleanup``). Partial: a code
        # exchange's row has no parent and so no entry to write (one page fewer in SQLite's
        # log); every lookup is ``parent_id = ?``, which both databases match to it.
        Index(
            "ix_tokens_parent",
            "parent_id",
            sqlite_where=text("parent_id IS NOT NULL"),
            postgresql_where=text("parent_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    code_pk: Mapped[int | None] = mapped_column(
        ForeignKey("authorization_codes.id", ondelete="SET NULL"), index=True
    )
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    #: The access token's scopes (space-separated).
    scope: Mapped[str] = mapped_column(Text)
    #: The refresh token's scopes: the original grant, kept through rotation (RFC 6749 §6).
    grant_scope: Mapped[str] = mapped_column(Text)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    access_revoked_at: Mapped[datetime | None]
    refresh_revoked_at: Mapped[datetime | None]
    #: When this row's refresh token was exchanged for a successor.
    rotated_at: Mapped[datetime | None]
    #: When this rotated refresh token was presented again inside the grace window (once only).
    reused_at: Mapped[datetime | None]

    app = relationship("App")
    mall = relationship("Mall")

    @classmethod
    def by_access_token(cls, access_token: str) -> Token | None:
        return db.session.scalar(
            select(cls).where(cls.access_token_hash == sha256_hex(access_token))
        )

    @classmethod
    def by_refresh_token(cls, refresh_token: str) -> Token | None:
        return db.session.scalar(
            select(cls).where(cls.refresh_token_hash == sha256_hex(refresh_token))
        )

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    # -- the rules (hybrid: a test on a row, a condition in SQL) ---------------------------
    @hybrid_method
    def access_active(self, now: datetime) -> bool:
        """The access token is unrevoked and unexpired (installation and scopes aside)."""
        return self.access_revoked_at is None and self.access_expires_at > now

    @access_active.inplace.expression
    @classmethod
    def _access_active_condition(cls, now: Any) -> ColumnElement[bool]:
        return and_(cls.access_revoked_at.is_(None), cls.access_expires_at > now)

    @hybrid_method
    def refresh_live(self, now: datetime) -> bool:
        """The refresh token was issued and is unrevoked and unexpired, rotated or not: a
        rotated one stays live until it expires so that presenting it again is recognised
        as reuse (RFC 9700 §4.14.2)."""
        return (
            self.refresh_token_hash is not None
            and self.refresh_revoked_at is None
            and self.refresh_expires_at is not None
            and self.refresh_expires_at > now
        )

    @refresh_live.inplace.expression
    @classmethod
    def _refresh_live_condition(cls, now: Any) -> ColumnElement[bool]:
        return and_(
            cls.refresh_token_hash.is_not(None),
            cls.refresh_revoked_at.is_(None),
            cls.refresh_expires_at.is_not(None),
            cls.refresh_expires_at > now,
        )

    @hybrid_method
    def refresh_active(self, now: datetime) -> bool:
        """The refresh token may be exchanged: live and not rotated out (RFC 6749 §6)."""
        return self.refresh_live(now) and self.rotated_at is None

    @refresh_active.inplace.expression
    @classmethod
    def _refresh_active_condition(cls, now: Any) -> ColumnElement[bool]:
        return and_(cls.refresh_live(now), cls.rotated_at.is_(None))

    def is_access_active(self, now: datetime | None = None) -> bool:
        return self.access_active(now or utcnow())

    def is_refresh_active(self, now: datetime | None = None) -> bool:
        return self.refresh_active(now or utcnow())

    # Authlib's TokenMixin
    def check_client(self, client) -> bool:
        return self.app_pk == client.id

    def get_scope(self) -> str:
        return self.grant_scope

    @staticmethod
    def revoke_where(*conditions) -> int:
        """Revoke both tokens of every row matching ``conditions``; the number of rows.

        Two passes, so that no successor escapes a concurrent refresh: under READ COMMITTED
        (PostgreSQL) a refresh that rotated a matching row holds its lock; the first pass
        waits for that refresh to commit but cannot see the row it inserted, the second pass
        starts after that commit and sees it. A refresh that comes after the first pass finds
        its row revoked and fails. On SQLite the second pass changes nothing.

        Each pass first locks the rows in ``id`` order (``SELECT ... FOR UPDATE``; SQLite has no
        row locks and ignores it). A bare multi-row UPDATE locks rows in the order it finds
        them, and that order changes as earlier updates move rows in the heap: two revocations
        of one family could each hold a row the other waits for, and PostgreSQL would end one
        with a deadlock error (a 503).
        """
        now = utcnow()
        lock = select(Token.id).where(*conditions).order_by(Token.id).with_for_update()
        statement = (
            update(Token)
            .where(*conditions)
            .values(
                access_revoked_at=db.func.coalesce(Token.access_revoked_at, now),
                refresh_revoked_at=db.func.coalesce(Token.refresh_revoked_at, now),
            )
        )

        def one_pass() -> int:
            db.session.execute(lock)
            return db.session.execute(statement).rowcount

        count = one_pass()
        one_pass()
        return count
