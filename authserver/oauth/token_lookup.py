"""Finding a presented token for introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1).

One lookup for both endpoints: the hint (RFC 7009's ``token_type_hint`` or Cafe24's
``token_hint``) only decides which kind is searched first; an unknown hint is ignored and both
kinds are always searched (RFC 7009 §2.1: the server MUST extend its search). Authlib's default
refuses unknown hints and searches only the hinted kind (SECURITY.md §4.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import MultiDict

from ..models import Token
from .grants import find_installation

ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
TOKEN_KINDS = (ACCESS_TOKEN, REFRESH_TOKEN)
#: Form fields that may carry the hint: RFC 7009/7662's name first, then Cafe24's.
HINT_FIELDS = ("token_type_hint", "token_hint")
#: Longer values cannot be tokens of this server; they are not even hashed.
MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True)
class FoundToken:
    """A token row and which of its two tokens was presented."""

    row: Token
    kind: str

    @property
    def is_refresh(self) -> bool:
        return self.kind == REFRESH_TOKEN

    def is_active(self, now: datetime | None = None) -> bool:
        """Unexpired, unrevoked (refresh: not rotated out), and the app still installed."""
        row = self.row
        alive = row.is_refresh_active(now) if self.is_refresh else row.is_access_active(now)
        return alive and find_installation(row.mall, row.app) is not None

    @property
    def scope(self) -> str:
        """The access token's scopes, or the refresh token's (the original grant's)."""
        return self.row.grant_scope if self.is_refresh else self.row.scope

    @property
    def expires_at(self) -> datetime:
        row = self.row
        return row.refresh_expires_at if self.is_refresh else row.access_expires_at


def token_hint(form: MultiDict) -> str | None:
    """The hint when it names a kind this server issues; anything else counts as no hint."""
    for field in HINT_FIELDS:
        value = form.get(field)
        if value in TOKEN_KINDS:
            return value
    return None


def find_token(value: str, hint: str | None = None) -> FoundToken | None:
    """The row holding ``value`` as an access or refresh token, the hinted kind tried first."""
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    order = (REFRESH_TOKEN, ACCESS_TOKEN) if hint == REFRESH_TOKEN else TOKEN_KINDS
    lookups = {ACCESS_TOKEN: Token.by_access_token, REFRESH_TOKEN: Token.by_refresh_token}
    for kind in order:
        row = lookups[kind](value)
        if row is not None:
            return FoundToken(row, kind)
    return None
