"""JWT access tokens (RFC 9068) for apps the platform switches to them; opaque stays the default.

For gateways that cannot afford an introspection call per request: the access token is a JWT
signed with ES256 (``typ: at+jwt``) carrying ``iss, sub, aud, client_id, scope, exp, iat, jti``
(RFC 9068 §2.2) plus ``mall_id``; gateways verify it against the mall's JWKS
(``/malls/<mall_id>/.well-known/jwks.json``). The trade-off is revocation: a gateway that only
verifies the signature cannot see a revoked token, so JWT access tokens live
``AUTHSERVER_JWT_ACCESS_TOKEN_TTL`` seconds (default 600, capped at 900) instead of two hours.
This server still honours revocation: the row of a JWT stores the SHA-256 of the whole compact
JWT where an opaque token's digest goes (the token is the secret; its ``jti`` is a name that
gateways and logs record and never authenticates), so introspection and the Admin API look it
up as they look up any token, and a revoked, expired or uninstalled one is refused. A presented
value with two dots is looked up only once its signature verifies with a published key.
Refresh tokens stay opaque.

Signing keys live in the database (``signing_keys``), the private key encrypted with the App
Secret keys (``AUTHSERVER_ENCRYPTION_KEYS``), so every node signs and verifies with the same
keys. ``keys rotate-signing`` adds a new current key and retires all but the previous one; the
JWKS lists current and previous, so tokens signed before a rotation verify until they expire,
and this server verifies with exactly those published keys: a token of a retired key is no
token. Each process keeps the published public keys for ``AUTHSERVER_SIGNING_KEY_CACHE_SECONDS``
(default 5) and re-reads them at once for a ``kid`` it does not hold, so a retirement made by
another process (the CLI, another node) stops verification here at most that many seconds
later; a new key verifies at once.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from sqlalchemy import select

from authserver.extensions import db
from authserver.models import SigningKey
from authserver.models.base import utcnow
from authserver.security.crypto import sha256_hex

OPAQUE, JWT = "opaque", "jwt"
TOKEN_FORMATS = (OPAQUE, JWT)
ALGORITHM = "ES256"
TYP = "at+jwt"
MAX_JWT_TTL = 900

bp = Blueprint("jwks", __name__)
#: (when read, by ``time.monotonic``; kid -> public key of each published key). Replaced whole,
#: never mutated, so threads need no lock.
_published: tuple[float, dict[str, ECKey]] = (float("-inf"), {})


def jwt_ttl() -> int:
    """The lifetime of a JWT access token: configured, at most ``MAX_JWT_TTL`` seconds."""
    return max(1, min(int(current_app.config["AUTHSERVER_JWT_ACCESS_TOKEN_TTL"]), MAX_JWT_TTL))


def _box():
    return current_app.extensions["authserver.secrets"]


def create_signing_key() -> SigningKey:
    """A new P-256 key, private half encrypted at rest; added to the session, not committed."""
    kid = secrets.token_urlsafe(12)
    key = ECKey.generate_key("P-256", parameters={"kid": kid}, private=True)
    row = SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key_encrypted=_box().encrypt(key.as_pem(private=True).decode("ascii")),
        public_jwk=key.as_dict(private=False),
    )
    db.session.add(row)
    return row


def rotate_signing_keys() -> SigningKey:
    """A new current key; every key but the new one and the one before it is retired."""
    new = create_signing_key()
    db.session.flush()
    live = db.session.scalars(
        select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.id.desc())
    ).all()
    for old in live[2:]:
        old.retired_at = utcnow()
    return new


def published_keys() -> list[SigningKey]:
    """Current and previous keys (newest first): what the JWKS lists and what signs."""
    return list(
        db.session.scalars(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.id.desc())
            .limit(2)
        )
    )


def _current_private_key() -> ECKey:
    keys = published_keys()
    if keys:
        row = keys[0]
    else:  # the first JWT ever: make a key (two nodes racing make two; both stay valid)
        row = create_signing_key()
        db.session.flush()
    pem = _box().decrypt(row.private_key_encrypted)
    return ECKey.import_key(pem, parameters={"kid": row.kid})


def issue(claims: dict[str, Any]) -> str:
    """Sign ``claims`` with the current key: header ``{alg: ES256, typ: at+jwt, kid}``."""
    key = _current_private_key()
    header = {"alg": ALGORITHM, "typ": TYP, "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def new_jti() -> str:
    return secrets.token_urlsafe(24)


def looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2


def _published_public_keys(reload: bool) -> dict[str, ECKey]:
    """kid -> public key of the published keys, read again when older than the cache's TTL."""
    global _published
    read_at, keys = _published
    now = time.monotonic()
    if reload or now - read_at >= current_app.config["AUTHSERVER_SIGNING_KEY_CACHE_SECONDS"]:
        keys = {row.kid: ECKey.import_key(row.public_jwk) for row in published_keys()}
        _published = (now, keys)
    return keys


def _public_key(kid: str) -> ECKey | None:
    """The public key ``kid`` when it is published (current or previous), else ``None``."""
    key = _published_public_keys(reload=False).get(kid)
    if key is None:  # perhaps a key another process published since: read once more
        key = _published_public_keys(reload=True).get(kid)
    return key


def signed_by_published_key(value: str) -> bool:
    """Whether ``value`` is a JWT access token signed by a published key of ours.

    Only the signature and the ``typ`` are checked here; expiry, revocation and installation
    are the database row's business, as for opaque tokens.
    """
    try:
        header = json.loads(base64.urlsafe_b64decode(value.split(".", 1)[0] + "=="))
        kid = header.get("kid") if isinstance(header, dict) else None
        if not isinstance(kid, str) or header.get("typ") != TYP or len(kid) > 64:
            return False
        key = _public_key(kid)
        if key is None:
            return False
        jwt.decode(value, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError, UnicodeDecodeError):
        return False
    return True


def lookup_digest(value: str) -> str | None:
    """What a presented access token's row is found by: the SHA-256 of the whole token, opaque
    or JWT; ``None`` for a JWT that no published key signed (it cannot be ours)."""
    if looks_like_jwt(value) and not signed_by_published_key(value):
        return None
    return sha256_hex(value)


@bp.get("/malls/<mall_id>/.well-known/jwks.json")
def jwks(mall_id: str) -> Response:
    """RFC 7517 key set: the public halves of the current and the previous signing key."""
    response = jsonify(keys=[dict(key.public_jwk, use="sig", alg=key.algorithm)
                             for key in published_keys()])  # fmt: skip
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
