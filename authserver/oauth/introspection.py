"""Token introspection (RFC 7662) for API gateways and for web apps' own tokens.

DESIGN.md "Introspection": gateway credentials may introspect any token of any mall; a web app
only the tokens issued to it (on any mall: the answer's ``mall_id`` and ``iss`` name the
token's mall); native apps never (their authentication fails with 401 ``invalid_client``).
Everything inactive, unknown, expired, revoked or not the caller's answers exactly
``{"active": false}`` (RFC 7662 §2.2), the same bytes whatever the reason. An active answer's
``scope`` is what the token may use now (``scopes.usable_scopes``, as the Admin API decides).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from authserver.models.base import epoch_seconds
from authserver.oauth.endpoint_limits import limit_calls
from authserver.oauth.gateways import GATEWAY_AUTH_METHOD
from authserver.oauth.issuer import issuer_for
from authserver.oauth.token_lookup import FoundToken, find_token, token_hint

INACTIVE: dict[str, Any] = {"active": False}
#: ``token_type`` of an active answer: only ``Bearer`` may be accepted by a resource server.
TOKEN_TYPES = {"access_token": "Bearer", "refresh_token": "refresh_token"}


def require_single_token(form) -> str:
    """RFC 7662 §2.1 / RFC 7009 §2.1: ``token`` is REQUIRED; RFC 6749 §3.1: no repeats, and
    a parameter without a value counts as omitted."""
    values = form.getlist("token")
    if len(values) > 1:
        raise InvalidRequestError("The 'token' parameter is repeated.")
    if not values or not values[0]:
        raise InvalidRequestError("The 'token' parameter is required.")
    return values[0]


class Introspection(IntrospectionEndpoint):
    """RFC 7662 §2 at ``/malls/<mall_id>/api/v2/oauth/introspect``."""

    CLIENT_AUTH_METHODS = [GATEWAY_AUTH_METHOD, "client_secret_basic", "client_secret_post"]

    def authenticate_endpoint_client(self, request):
        """The client, then an app's call limits (``endpoint_limits.py``; gateways are exempt):
        a throttled call looks nothing up."""
        client = super().authenticate_endpoint_client(request)
        if not getattr(client, "is_gateway", False):
            limit_calls("introspect", client.client_id)
        return client

    def check_params(self, request, client) -> None:
        """``token`` required once; an unknown hint is ignored (RFC 7662 §2.1 refers to
        RFC 7009 §2.1's rule), where Authlib answers ``unsupported_token_type``."""
        require_single_token(request.form)

    def query_token(self, token_string: str, token_type_hint: str | None) -> FoundToken | None:
        # The access token's row usually came with the mall and the gateway (store.prime).
        return find_token(token_string, token_type_hint)

    def authenticate_token(self, request, client) -> FoundToken | None:
        self.check_params(request, client)
        found = self.query_token(request.form["token"], token_hint(request.form))
        if found is not None and self.check_permission(found, client, request):
            return found
        return None

    def check_permission(self, token: FoundToken, client, request) -> bool:
        """RFC 7662 §4 and SECURITY.md I2: gateways see every token, a web app its own."""
        if getattr(client, "is_gateway", False):
            return True
        return token.row.app_pk == client.id

    def create_introspection_payload(self, token: FoundToken | None) -> dict[str, Any]:
        # Authlib's version asks the token whether it is expired or revoked as one pair;
        # each of the row's two tokens has its own lifetime and revocation (SECURITY.md §4.5).
        if token is None or not token.is_active():
            return dict(INACTIVE)
        return self.introspect_token(token)

    def introspect_token(self, token: FoundToken) -> dict[str, Any]:
        """RFC 7662 §2.2 with DESIGN.md's fields; ``iss`` is the issuer of the token's mall."""
        row = token.row
        mall_id = token.mall_id
        return {
            "active": True,
            "scope": " ".join(token.usable_scopes),
            "client_id": token.client_id,
            "mall_id": mall_id,
            "user_id": row.user_id,
            "sub": row.user_id,
            "token_type": TOKEN_TYPES[token.kind],
            "exp": epoch_seconds(token.expires_at),
            "iat": epoch_seconds(row.issued_at),
            "iss": issuer_for(mall_id),
        }
