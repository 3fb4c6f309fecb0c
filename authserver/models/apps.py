"""Apps registered in the Developer Center: the OAuth clients."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from authserver.app_status import Status
from authserver.extensions import db
from authserver.models.base import utcnow
from authserver.security.crypto import (
    CLIENT_ID_LENGTH,
    SECRET_LENGTH,
    constant_time_equals,
    random_base62,
)
from authserver.validators import redirect_uri_matches

WEB = "web"
NATIVE = "native"
APP_TYPES = (WEB, NATIVE)


class AuthlibClient:
    """Authlib's ClientMixin over an app's columns (``client_id``, ``client_secret_encrypted``,
    ``app_type``, ``redirect_uris``, ``scope``): the ORM row below and the OAuth endpoints'
    plain row (``store/clients.py``) share it, so the client rules are written once."""

    __slots__ = ()

    # -- App Secret --------------------------------------------------------------------
    @property
    def client_secret(self) -> str:
        return current_app.extensions["authserver.secrets"].decrypt(self.client_secret_encrypted)

    # -- permissions --------------------------------------------------------------------
    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def is_public(self) -> bool:
        return self.app_type == NATIVE

    # -- Authlib ClientMixin -------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # redirect_uri is always required (DESIGN.md, Authorization request rules).
        return None

    def get_allowed_scope(self, scope: str) -> str | None:
        requested = scope.split() if scope else []
        if not requested or not set(requested) <= set(self.scopes):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(
            redirect_uri_matches(registered, redirect_uri, self.app_type)
            for registered in self.redirect_uris or []
        )

    def check_client_secret(self, client_secret: str) -> bool:
        return constant_time_equals(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class App(AuthlibClient, db.Model):
    """An app (OAuth client). Web apps are confidential clients that authenticate with their
    App Secret; native apps are public clients that prove possession with PKCE and use their
    App Secret only to verify launches (DESIGN.md, Developer Center rules)."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), unique=True)
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    developer_id: Mapped[int] = mapped_column(
        ForeignKey("developers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    app_type: Mapped[str] = mapped_column(String(10), default=WEB)
    app_url: Mapped[str] = mapped_column(String(255))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Registered permissions, space-separated, in catalogue order.
    scope: Mapped[str] = mapped_column(Text, default="")
    operator_permission_url: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=Status.IN_PRODUCTION.value)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    #: For sale or sold: the status of an approved app that went back to review (its App Secret
    #: reissued, its permissions widened); meanwhile its installations keep working and no new
    #: mall installs it (``app_status.may_authorize``). Cleared when it is listed again.
    review_return_status: Mapped[str | None] = mapped_column(String(20))
    icon: Mapped[bytes | None] = mapped_column(LargeBinary)
    icon_content_type: Mapped[str | None] = mapped_column(String(32))
    secret_reissued_at: Mapped[datetime | None]
    #: ``opaque`` (the default, as at Cafe24) or ``jwt`` (RFC 9068), set by the platform (CLI).
    token_format: Mapped[str] = mapped_column(String(10), default="opaque", server_default="opaque")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    developer = relationship("Developer", back_populates="apps")
    installations = relationship(
        "Installation", back_populates="app", cascade="all, delete-orphan", passive_deletes=True
    )

    @classmethod
    def register(cls, **fields) -> tuple[App, str]:
        """A new app with a fresh App Key and App Secret; returns the app and the secret."""
        app = cls(client_id=random_base62(CLIENT_ID_LENGTH), **fields)
        secret = app.issue_secret()
        return app, secret

    # -- App Secret --------------------------------------------------------------------
    def issue_secret(self) -> str:
        """Issue a new App Secret; the old one stops working at once (Cafe24's rule)."""
        secret = random_base62(SECRET_LENGTH)
        self.client_secret_encrypted = current_app.extensions["authserver.secrets"].encrypt(secret)
        return secret
