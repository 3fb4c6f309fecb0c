"""API gateway credentials (DESIGN.md "Introspection"): issue, rotate, delete, authenticate.

A gateway authenticates at the introspection endpoint with HTTP Basic ``id:secret``, through
Authlib's client authentication as one more method, ``gateway_basic`` (RFC 6749 §2.3.1 on the
wire). Secrets are random and shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from authserver.oauth.requests import request_credentials
from authserver.security.crypto import constant_time_equals, sha256_hex
from authserver.store.gateways import (
    ID_PREFIX,
    GatewayRow,
    create_gateway,
    delete_gateway,
    find_gateway,
    find_gateway_row,
    rotate_gateway,
)

__all__ = [
    "GATEWAY_AUTH_METHOD",
    "GatewayCaller",
    "authenticate_gateway",
    "create_gateway",
    "delete_gateway",
    "find_gateway",
    "rotate_gateway",
]

#: Authlib client-authentication method name for gateway credentials.
GATEWAY_AUTH_METHOD = "gateway_basic"


@dataclass(frozen=True)
class GatewayCaller:
    """An authenticated gateway, as the client object Authlib's endpoints receive."""

    #: the ``gateway_clients`` row (``id``, ``client_id``)
    gateway: GatewayRow
    is_gateway = True

    @property
    def client_id(self) -> str:
        return self.gateway.client_id

    def get_client_id(self) -> str:
        return self.gateway.client_id

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Gateways introspect; they have no business at the token or revocation endpoint."""
        return method == GATEWAY_AUTH_METHOD and endpoint == "introspection"


def authenticate_gateway(query_client, request) -> GatewayCaller | None:
    """Authlib client-auth method: HTTP Basic with a gateway's id and secret.

    Returns ``None`` (never raises) when the credentials are not a gateway's, so that Authlib
    goes on to try the apps' methods and answers ``invalid_client`` if none matches.
    """
    credentials = request_credentials(request.headers)
    if credentials is None:
        return None
    client_id, secret = credentials
    if not client_id.startswith(ID_PREFIX) or not secret:
        return None
    # Usually read with the mall and the token in one statement (store.prime).
    gateway = find_gateway_row(client_id)
    if gateway is None or not constant_time_equals(gateway.secret_hash, sha256_hex(secret)):
        return None
    return GatewayCaller(gateway)
