"""Bearer authentication of Admin API calls (RFC 6750 §2.1 and §3, DESIGN.md "Admin API").

The access token comes from the ``Authorization`` header only (``Bearer`` in any case); a token
in the query string or the body is never looked at (RFC 6750 §2.3, OAuth 2.1 §5.1). One indexed
query by the token's SHA-256 (``oauth.token_lookup``'s lookup, shared with introspection, of the
columns read here: ``fetch_for_admin_api``) fetches the token with its mall, its app and the
installation of that app on that mall, so every check below costs no further query:

- no header (or an empty one): ``401``, ``WWW-Authenticate: Bearer realm="<issuer of the mall>"``;
- a header that is no well-formed bearer token, an unknown, expired or revoked token, a token
  of an app no longer installed on the mall, or a token of another mall (the audience of a
  token is its mall): ``401``, ``WWW-Authenticate: Bearer error="invalid_token"``.

An unknown mall gets the same answers as a known one (no token can belong to it), so the API
does not tell which malls exist. The scopes a call may use are ``scopes.usable_scopes``: the
token's, narrowed to what the installation still grants and to the app's current permissions
(a permission the developer removed stops working at once).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask import Response

from ..errors import api_error
from ..models.grants import access_token_active
from ..oauth.jwt_tokens import lookup_digest
from ..oauth.server import issuer_for
from ..oauth.token_lookup import fetch_for_admin_api
from ..scopes import usable_scopes
from . import list_prefetch
from .list_prefetch import Listing

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


def authenticate(mall_id: str, authorization: str | None, listing: Listing | None = None) -> Caller:
    """The caller behind ``authorization`` at ``mall_id``; ``AuthenticationFailed`` otherwise.

    ``listing``: the list the call asks for, read with the token where that saves a round trip
    (``list_prefetch.py``; the same row, so the same checks)."""
    token = bearer_token(authorization)
    digest = lookup_digest(token)  # None for a JWT no published key signed
    if not digest:
        row = None
    elif listing is None:
        row = fetch_for_admin_api(digest)
    else:
        row = list_prefetch.lookup(digest, mall_id, listing)
    if (
        row is None
        or not access_token_active(row)
        or row.lookup_mall_id != mall_id
        or row.lookup_installation_pk is None
    ):
        raise AuthenticationFailed(missing=False)
    scopes = _usable_scopes(row.scope, row.lookup_installation_scope, row.lookup_app_scope)
    return Caller(
        row.id,
        row.mall_pk,
        mall_id,
        row.app_pk,
        row.lookup_client_id,
        row.user_id,
        scopes,
        row.access_expires_at,
    )


@lru_cache(maxsize=256)  # a few distinct grants per app: the same triple on every call
def _usable_scopes(granted: str, installed: str, app_scope: str) -> frozenset[str]:
    """``scopes.usable_scopes`` as the set the scope checks test membership in."""
    return frozenset(usable_scopes(granted, installed, app_scope))


def challenge(failure: AuthenticationFailed, mall_id: str) -> Response:
    """The 401 in Cafe24's envelope with RFC 6750's ``WWW-Authenticate`` challenge."""
    if failure.missing:
        realm = issuer_for(mall_id).replace("\\", "\\\\").replace('"', '\\"')
        header = f'Bearer realm="{realm}"'
    else:
        header = 'Bearer error="invalid_token"'
    return api_error(401, AUTHENTICATION_MESSAGE, headers={"WWW-Authenticate": header})
