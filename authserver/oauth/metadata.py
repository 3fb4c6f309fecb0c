"""Authorization server metadata (RFC 8414), one document per mall (each mall is an issuer).

Served at ``/malls/<mall_id>/.well-known/oauth-authorization-server`` and at the RFC 8414 §3.1
location for an issuer with a path, ``/.well-known/oauth-authorization-server/malls/<mall_id>``.
Built and validated with Authlib's RFC 8414 and RFC 9207 metadata classes.
"""

from __future__ import annotations

from authlib.oauth2 import rfc8414, rfc9207
from flask import Blueprint, Response, g, jsonify

from authserver import scopes
from authserver.oauth.gateways import GATEWAY_AUTH_METHOD
from authserver.oauth.grants import CLIENT_AUTH_METHODS
from authserver.oauth.introspection import Introspection
from authserver.oauth.server import issuer_for
from authserver.platform.tenancy import bind_mall

bp = Blueprint("oauth_metadata", __name__)
bind_mall(bp, require=False)

WELL_KNOWN = "oauth-authorization-server"
CACHE_SECONDS = 300


def build_metadata(mall_id: str) -> rfc8414.AuthorizationServerMetadata:
    """The validated metadata document of one mall's issuer (RFC 8414 §2, RFC 9207 §3)."""
    issuer = issuer_for(mall_id)
    oauth = f"{issuer}/api/v2/oauth"
    introspection_methods = [
        method for method in Introspection.CLIENT_AUTH_METHODS if method != GATEWAY_AUTH_METHOD
    ]
    metadata = rfc8414.AuthorizationServerMetadata(
        issuer=issuer,
        authorization_endpoint=f"{oauth}/authorize",
        token_endpoint=f"{oauth}/token",
        revocation_endpoint=f"{oauth}/revoke",
        introspection_endpoint=f"{oauth}/introspect",
        # The keys of the optional RFC 9068 JWT access tokens (``app token-format``).
        jwks_uri=f"{issuer}/.well-known/jwks.json",
        scopes_supported=list(scopes.ALL_SCOPES),
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token"],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=list(CLIENT_AUTH_METHODS),
        revocation_endpoint_auth_methods_supported=list(CLIENT_AUTH_METHODS),
        introspection_endpoint_auth_methods_supported=introspection_methods,
        authorization_response_iss_parameter_supported=True,
    )
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    return metadata


@bp.get(f"/malls/<mall_id>/.well-known/{WELL_KNOWN}")
@bp.get(f"/.well-known/{WELL_KNOWN}/malls/<mall_id>")
def metadata() -> Response | tuple[Response, int]:
    if g.mall is None:
        return jsonify(error="not_found", error_description="There is no such mall."), 404
    response = jsonify(dict(build_metadata(g.mall.mall_id)))
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
