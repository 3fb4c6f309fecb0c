"""JWT access tokens (RFC 9068) for apps the platform switches to them; opaque stays the default.

For gateways that cannot afford an introspection call per request: the access token is a JWT
signed with ES256 (``typ: at+jwt``) carrying ``iss, sub, aud, client_id, scope, exp, iat, jti``
(RFC 9068 §2.2) plus ``mall_id``; gateways verify it against the mall's JWKS
(``/malls/<mall_id>/.well-known/jwks.json``). The trade-off is revocation: a gateway that only
verifies the signature cannot see a revoked token, so JWT access tokens live
``AUTHSERVER_JWT_ACCESS_TOKEN_TTL`` seconds (default 600, capped at 900) instead of two hours.
This server still honours revocation: the row of a JWT stores the SHA-256 of its ``jti`` where
an opaque token's digest goes, so introspection and the Admin API look it up as they look up any
token, and a revoked, expired or uninstalled one is refused. Refresh tokens stay opaque.

Signing keys live in the database (``signing_keys``), the private key encrypted with the App
Secret keys (``AUTHSERVER_ENCRYPTION_KEYS``), so every node signs and verifies with the same
keys. ``keys rotate-signing`` adds a new current key and retires all but the previous one; the
JWKS lists current and previous, so tokens signed before a rotation verify until they expire.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from sqlalchemy import select

from ..crypto import sha256_hex
from ..extensions import db
from ..models import SigningKey
from ..models.base import utcnow

OPAQUE, JWT = "opaque", "jwt"
TOKEN_FORMATS = (OPAQUE, JWT)
ALGORITHM = "ES256"
TYP = "at+jwt"
MAX_JWT_TTL = 900

bp = Blueprint("jwks", __name__)
_public_keys: dict[str, ECKey] = {}
_lock = threading.Lock()


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


def _public_key(kid: str) -> ECKey | None:
    key = _public_keys.get(kid)
    if key is None:
        row = db.session.scalar(select(SigningKey).where(SigningKey.kid == kid))
        if row is None:
            return None
        key = ECKey.import_key(row.public_jwk)
        with _lock:
            _public_keys[kid] = key
    return key


def verified_jti(value: str) -> str | None:
    """The ``jti`` of a JWT access token signed by one of our keys; ``None`` otherwise.

    Only the signature and the ``typ`` are checked here; expiry, revocation and installation
    are the database row's business, as for opaque tokens.
    """
    try:
        header = json.loads(base64.urlsafe_b64decode(value.split(".", 1)[0] + "=="))
        kid = header.get("kid") if isinstance(header, dict) else None
        if not isinstance(kid, str) or header.get("typ") != TYP or len(kid) > 64:
            return None
        key = _public_key(kid)
        if key is None:
            return None
        token = jwt.decode(value, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError, UnicodeDecodeError):
        return None
    jti = token.claims.get("jti")
    return jti if isinstance(jti, str) and jti else None


def lookup_digest(value: str) -> str | None:
    """What a presented access token is stored under: SHA-256 of the token, or of a JWT's jti."""
    if looks_like_jwt(value):
        jti = verified_jti(value)
        return sha256_hex(jti) if jti else None
    return sha256_hex(value)


@bp.get("/malls/<mall_id>/.well-known/jwks.json")
def jwks(mall_id: str) -> Response:
    """RFC 7517 key set: the public halves of the current and the previous signing key."""
    response = jsonify(keys=[dict(key.public_jwk, use="sig", alg=key.algorithm)
                             for key in published_keys()])  # fmt: skip
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
