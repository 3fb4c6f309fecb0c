"""Finding a presented token for introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1).

One lookup for both endpoints: the hint (RFC 7009's ``token_type_hint`` or Cafe24's
``token_hint``) only decides which kind is searched first; an unknown hint is ignored and both
kinds are always searched (RFC 7009 §2.1: the server MUST extend its search). Authlib's default
refuses unknown hints and searches only the hinted kind (SECURITY.md §4.6). Each kind is one
indexed query of the storage layer (``store.tokens``), which brings the token's mall, app and
installation with it.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from authserver.oauth.jwt_tokens import lookup_digest
from authserver.security.crypto import sha256_hex
from authserver.store import reader, tokens
from authserver.store.tokens import ACCESS_TOKEN, REFRESH_TOKEN, TOKEN_KINDS, FoundToken

__all__ = ["ACCESS_TOKEN", "REFRESH_TOKEN", "FoundToken", "find_token", "token_hint"]

#: Form fields that may carry the hint: RFC 7009/7662's name first, then Cafe24's.
HINT_FIELDS = ("token_type_hint", "token_hint")
#: Longer values cannot be tokens of this server (a JWT access token is about 600 characters);
#: they are not even hashed.
MAX_TOKEN_LENGTH = 2048


def token_hint(form: MultiDict) -> str | None:
    """The hint when it names a kind this server issues; anything else counts as no hint."""
    for field in HINT_FIELDS:
        if form.get(field) in TOKEN_KINDS:
            return form[field]
    return None


def access_token_digest(value: str) -> str | None:
    """``jwt_tokens.lookup_digest(value)``, once per request: introspection's view needs it for
    its one statement before Authlib's hooks look the token up, and a JWT's signature should be
    verified once, not twice."""
    return reader().lookup("access_digest", value, lambda: lookup_digest(value))


def token_digest(kind: str, value: str) -> str | None:
    """What the row of a token of ``kind`` is found by (``None``: it cannot be ours)."""
    return access_token_digest(value) if kind == ACCESS_TOKEN else sha256_hex(value)


def find_token(value: str, hint: str | None = None) -> FoundToken | None:
    """The row holding ``value`` as an access or refresh token, the hinted kind tried first."""
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    order = (REFRESH_TOKEN, ACCESS_TOKEN) if hint == REFRESH_TOKEN else TOKEN_KINDS
    for kind in order:
        digest = token_digest(kind, value)
        if digest is None:
            continue
        found = tokens.find(kind, digest)
        if found is not None:
            return found
    return None
