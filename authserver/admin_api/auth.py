"""Bearer authentication of Admin API calls (RFC 6750 §2.1 and §3, DESIGN.md "Admin API").

The access token comes from the ``Authorization`` header only (``Bearer`` in any case); a token
in the query string or the body is never looked at (RFC 6750 §2.3, OAuth 2.1 §5.1). One indexed
query by the token's SHA-256 fetches the token with its mall, its app and the installation of
that app on that mall, so every check below costs no further query:

- no header (or an empty one): ``401``, ``WWW-Authenticate: Bearer realm="<issuer of the mall>"``;
- a header that is no well-formed bearer token, an unknown, expired or revoked token, a token
  of an app no longer installed on the mall, or a token of another mall (the audience of a
  token is its mall): ``401``, ``WWW-Authenticate: Bearer error="invalid_token"``.

An unknown mall gets the same answers as a known one (no token can belong to it), so the API
does not tell which malls exist. The scopes a call may use are the token's, narrowed to what the
installation still grants (a permission the developer removed stops working at once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Response
from sqlalchemy import and_, bindparam, select

from ..errors import api_error
from ..extensions import db
from ..models import App, Installation, Mall, Token
from ..models.base import utcnow
from ..oauth.jwt_tokens import lookup_digest
from ..oauth.server import issuer_for

#: RFC 6750 §2.1 ``b64token``; longer than any token this server issues (a JWT access token is
#: about 600 characters) is malformed too.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,2048}=*")
AUTHENTICATION_MESSAGE = "Authority to access is not valid."


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's mall, app, operator and usable scopes."""

    token_pk: int
    mall_pk: int
    mall_id: str
    app_pk: int
    client_id: str
    user_id: str
    scopes: frozenset[str]


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


_T, _M, _A, _I = (model.__table__ for model in (Token, Mall, App, Installation))
#: Built once on the tables (a Core query: no ORM entity, no per-call expression building).
_CALLER_QUERY = (
    select(
        _T.c.id,
        _T.c.mall_pk,
        _T.c.app_pk,
        _T.c.user_id,
        _T.c.scope,
        _T.c.access_expires_at,
        _T.c.access_revoked_at,
        _M.c.mall_id,
        _A.c.client_id,
        _I.c.id,
        _I.c.scope,
    )
    .join(_M, _M.c.id == _T.c.mall_pk)
    .join(_A, _A.c.id == _T.c.app_pk)
    .outerjoin(_I, and_(_I.c.mall_pk == _T.c.mall_pk, _I.c.app_pk == _T.c.app_pk))
    .where(_T.c.access_token_hash == bindparam("digest"))
)


def authenticate(mall_id: str, authorization: str | None) -> Caller:
    """The caller behind ``authorization`` at ``mall_id``; ``AuthenticationFailed`` otherwise."""
    token = bearer_token(authorization)
    digest = lookup_digest(token)  # a JWT access token is looked up by its jti
    row = db.session.execute(_CALLER_QUERY, {"digest": digest}).first() if digest else None
    if row is None:
        raise AuthenticationFailed(missing=False)
    (token_pk, mall_pk, app_pk, user_id, scope, expires_at, revoked_at) = row[:7]
    (token_mall_id, client_id, installation_pk, installed_scope) = row[7:]
    if (
        revoked_at is not None
        or expires_at <= utcnow()
        or token_mall_id != mall_id
        or installation_pk is None
    ):
        raise AuthenticationFailed(missing=False)
    scopes = frozenset(scope.split()) & frozenset((installed_scope or "").split())
    return Caller(token_pk, mall_pk, mall_id, app_pk, client_id, user_id, scopes)


def challenge(failure: AuthenticationFailed, mall_id: str) -> Response:
    """The 401 in Cafe24's envelope with RFC 6750's ``WWW-Authenticate`` challenge."""
    if failure.missing:
        realm = issuer_for(mall_id).replace("\\", "\\\\").replace('"', '\\"')
        header = f'Bearer realm="{realm}"'
    else:
        header = 'Bearer error="invalid_token"'
    return api_error(401, AUTHENTICATION_MESSAGE, headers={"WWW-Authenticate": header})
