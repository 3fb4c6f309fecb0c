"""Bearer authentication of Admin API calls (RFC 6750 §2.1 and §3, DESIGN.md "Admin API").

The access token comes from the ``Authorization`` header only (``Bearer`` in any case); a token
in the query string or the body is never looked at (RFC 6750 §2.3, OAuth 2.1 §5.1). One indexed
query by the token's SHA-256 (``store.tokens``, shared with introspection) fetches the token
with its mall, its app and the installation of that app on that mall, so every check below
costs no further query:

- no header (or an empty one): ``401``, ``WWW-Authenticate: Bearer realm="<issuer of the mall>"``;
- a header that is no well-formed bearer token, an unknown, expired or revoked token, a token
  of an app no longer installed on the mall, or a token of another mall (the audience of a
  token is its mall): ``401``, ``WWW-Authenticate: Bearer error="invalid_token"``.

An unknown mall gets the same answers as a known one (no token can belong to it), so the API
does not tell which malls exist. The scopes a call may use are ``scopes.usable_scopes``: the
token's, narrowed to the installation and the app's current permissions (a permission the
developer removed stops working at once).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from flask import Response

from authserver.oauth.jwt_tokens import lookup_digest
from authserver.oauth.server import issuer_for
from authserver.platform.errors import api_error
from authserver.store import tokens

#: RFC 6750 §2.1 ``b64token``; longer than any token this server issues (a JWT access token is
#: about 600 characters) is malformed too.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,2048}=*")
AUTHENTICATION_MESSAGE = "Authority to access is not valid."


class Caller(NamedTuple):
    """Who is calling: the token's mall, app, operator and usable scopes (a named tuple: one
    is made on every call)."""

    token_pk: int
    mall_pk: int
    mall_id: str
    app_pk: int
    client_id: str
    user_id: str
    scopes: frozenset[str]
    #: when the access token expires (naive UTC)
    expires_at: datetime


class AuthenticationFailed(Exception):
    """``missing``: no credentials at all (a bare challenge); otherwise ``invalid_token``."""

    def __init__(self, missing: bool):
        super().__init__("missing token" if missing else "invalid token")
        self.missing = missing


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value.

    Raises ``AuthenticationFailed(missing=True)`` without a header, ``missing=False`` for any
    other scheme or a malformed token.
    """
    if not authorization or not authorization.strip():
        raise AuthenticationFailed(missing=True)
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not _TOKEN.fullmatch(parts[1]):
        raise AuthenticationFailed(missing=False)
    return parts[1]


def authenticate(mall_id: str, authorization: str | None) -> Caller:
    """The caller behind ``authorization`` at ``mall_id``; ``AuthenticationFailed`` otherwise."""
    token = bearer_token(authorization)
    digest = lookup_digest(token)  # None: a JWT that no published key signed
    found = tokens.find(tokens.ACCESS_TOKEN, digest) if digest else None
    if found is None or not found.is_active() or found.mall_id != mall_id:
        raise AuthenticationFailed(missing=False)
    row = found.row
    return Caller(
        row.id,
        row.mall_pk,
        mall_id,
        row.app_pk,
        found.client_id,
        row.user_id,
        frozenset(found.usable_scopes),
        row.access_expires_at,
    )


def challenge(failure: AuthenticationFailed, mall_id: str) -> Response:
    """The 401 in Cafe24's envelope with RFC 6750's ``WWW-Authenticate`` challenge."""
    if failure.missing:
        realm = issuer_for(mall_id).replace("\\", "\\\\").replace('"', '\\"')
        header = f'Bearer realm="{realm}"'
    else:
        header = 'Bearer error="invalid_token"'
    return api_error(401, AUTHENTICATION_MESSAGE, headers={"WWW-Authenticate": header})
