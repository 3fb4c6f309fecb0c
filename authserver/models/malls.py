"""Malls (tenants) and the installations of apps on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from authserver import scopes as scope_catalogue
from authserver.extensions import db
from authserver.models.base import utcnow


class Mall(db.Model):
    __tablename__ = "malls"

    id: Mapped[int] = mapped_column(primary_key=True)
    mall_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: Set for a developer's test mall: apps not yet for sale may be authorized only there.
    test_mall_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("developers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operators = relationship("Operator", back_populates="mall", cascade="all, delete-orphan")
    test_mall_of = relationship("Developer", back_populates="test_malls")
    installations = relationship(
        "Installation", back_populates="mall", cascade="all, delete-orphan"
    )


class Installation(db.Model):
    """An app installed on a mall: the union of every scope an operator consented to."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("mall_pk", "app_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"), index=True)
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    operator_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    mall = relationship("Mall", back_populates="installations")
    app = relationship("App", back_populates="installations")

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def grant(self, scopes) -> None:
        """Extend the installation by newly consented scopes (consent is cumulative)."""
        self.scope = scope_catalogue.to_string(set(self.scopes) | set(scopes))

    def narrow_to(self, allowed) -> None:
        """Drop scopes the app no longer registers (Developer Center, Permission information)."""
        self.scope = scope_catalogue.to_string(set(self.scopes) & set(allowed))
