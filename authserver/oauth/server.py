"""The Authlib authorization server, with the storage hooks and request rules of this project.

One server serves every mall: the mall comes from the URL (``g.mall``), and so does the issuer
(``<external base>/malls/<mall_id>``, RFC 8414 and RFC 9207).
"""

from __future__ import annotations

import json
from functools import lru_cache

from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Response, current_app, g
from flask.json.provider import DefaultJSONProvider

from authserver.oauth.endpoint_limits import SlowDown
from authserver.oauth.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authserver.oauth.issuer import issuer_for
from authserver.oauth.pkce import S256CodeChallenge
from authserver.oauth.requests import ServerRequest, request_credentials, unreadable_authorization
from authserver.oauth.tokens import generate_token_response
from authserver.platform.current import this_request
from authserver.security import bruteforce
from authserver.store.clients import Client, find_client


class MallIssuer(IssuerParameter):
    """RFC 9207: ``iss`` on every authorization response, errors included."""

    def get_issuer(self) -> str | None:
        mall = g.get("mall")
        return issuer_for(mall.mall_id) if mall else None


#: The description of an error Authlib raised without one (``handle_error_response``).
ERROR_DESCRIPTIONS = {
    "invalid_request": "The request is missing a parameter or is malformed.",
    "invalid_client": "Client authentication failed.",
    "invalid_grant": "The authorization grant is invalid, expired or revoked.",
    "unauthorized_client": "This app may not use this grant type.",
    "unsupported_grant_type": (
        "The grant_type is not supported: use authorization_code or refresh_token."
    ),
    "invalid_scope": "The requested scope exceeds the scope the grant holds.",
    "unsupported_token_type": "The token_type_hint is not supported.",
}
DEFAULT_DESCRIPTION = "The request was refused."


class AuthorizationServer(FlaskAuthorizationServer):
    def query_client(self, client_id: str) -> Client | None:
        """The app as a plain value, never an ORM entity (``store.clients``)."""
        return find_client(client_id)

    def save_token(self, token, request):  # pragma: no cover - the grants store their rows
        raise NotImplementedError("tokens are stored by the grants, in their transaction")

    def create_oauth2_request(self, request) -> ServerRequest:
        if isinstance(request, ServerRequest):
            return request
        return ServerRequest.from_flask(this_request())

    def handle_error_response(self, request, error: OAuth2Error) -> Response:
        """Every error of the token, revocation and introspection endpoints carries an
        ``error_description`` (DESIGN.md "Token response"; a Cafe24 client reads it): Authlib
        raises some without one (an unknown refresh token's ``invalid_grant`` where a grant
        does not raise its own, an unsupported ``grant_type``, a refresh ``scope`` wider than
        the grant's), and those get the error code's description here, never echoing input."""
        if not error.description:
            error.description = ERROR_DESCRIPTIONS.get(error.error, DEFAULT_DESCRIPTION)
        return super().handle_error_response(request, error)

    def handle_response(self, status_code, payload, headers) -> Response:
        """Authlib's Flask answer, the same bytes: ``flask.json.dumps`` builds a JSON encoder
        per call (about 3 µs of an introspection); the app's provider options pick a cached
        one here."""
        if isinstance(payload, dict):
            payload = _dumps(payload)
        return Response(payload, status=status_code, headers=headers)

    def authenticate_client(self, request, methods, endpoint="token"):
        """Client authentication behind the brute-force limits (RFC 6749 §2.3.1, RFC 7009 §5):
        while too many attempts with this ``client_id`` failed, answer 429 ``slow_down``
        without checking anything; only failures count (``security/bruteforce.py``)."""
        claimed = _claimed_client_id(request)
        if not claimed:  # nothing to guess: fails as before, counts nothing
            return self._check_client(request, methods, endpoint)
        account = "client:" + claimed
        verdict = bruteforce.check(account)
        if not verdict.allowed:
            raise SlowDown(verdict.retry_after)
        try:
            client = self._check_client(request, methods, endpoint)
        except InvalidClientError:
            bruteforce.failed(account)
            raise
        bruteforce.succeeded(account, verdict)
        return client

    def _check_client(self, request, methods, endpoint):
        """Authlib's client authentication, plus rules of RFC 6749 §2.3 and §5.2 it leaves out.

        One method per request: HTTP Basic and a ``client_secret`` field together is
        ``invalid_request``. At the token endpoint a failed attempt answers 401 with
        ``WWW-Authenticate: Basic`` only when the client used Basic, a failure with body
        credentials is a 400; at introspection and revocation every failure, missing
        credentials included, is a 401 with the Basic challenge (RFC 7662 §2.3, RFC 7009 §2.1,
        DESIGN.md "Introspection").
        """
        basic = request_credentials(request.headers)
        if basic is not None:
            form = request.form
            if "client_secret" in form:
                raise InvalidRequestError("Use one client authentication method per request.")
            client_id, secret = basic
            # ``in`` first: a missing key's ``get`` builds and catches Werkzeug's KeyError.
            other_id = "client_id" in form and form["client_id"] != client_id
            if not client_id or not secret or other_id:
                raise _client_authentication_failed(basic=True)
        elif unreadable_authorization(request.headers):  # a failed attempt, not Authlib's 500
            raise _client_authentication_failed(basic=endpoint != "token")
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            challenge = basic is not None or endpoint != "token"
            raise _client_authentication_failed(basic=challenge) from error

    def get_authorization_grant(self, request):
        """Authlib's lookup, with an error that never echoes ``response_type``: Authlib's
        description does, and raises on characters RFC 6749 forbids there (SECURITY.md §4
        item 11). The one grant this server registers for the authorization endpoint
        (:data:`AUTHORIZATION_GRANT`) is asked first, through its public check."""
        if AUTHORIZATION_GRANT.check_authorization_endpoint(request):
            return super().get_authorization_grant(request)
        client = self.query_client(request.payload.client_id)
        redirect_uri = request.payload.redirect_uri
        valid = (
            client is not None and bool(redirect_uri) and client.check_redirect_uri(redirect_uri)
        )
        raise UnsupportedResponseType(redirect_uri=redirect_uri if valid else None)


class UnsupportedResponseType(UnsupportedResponseTypeError):
    def __init__(self, redirect_uri: str | None):
        super().__init__(
            None, description="Only response_type=code is supported.", redirect_uri=redirect_uri
        )


def _claimed_client_id(request: ServerRequest) -> str:
    basic = request_credentials(request.headers)
    claimed = basic[0] if basic is not None else request.form.get("client_id", "")
    return (claimed or "")[:64]


def _dumps(payload: dict) -> str:
    """``current_app.json.dumps(payload)``, with an encoder built once per set of options."""
    provider = current_app.json
    if type(provider) is not DefaultJSONProvider:  # another provider may dump differently
        return provider.dumps(payload)
    return _encoder(provider.ensure_ascii, provider.sort_keys, provider.default).encode(payload)


@lru_cache(maxsize=8)
def _encoder(ensure_ascii: bool, sort_keys: bool, default) -> json.JSONEncoder:
    """What ``DefaultJSONProvider.dumps`` passes to ``json.dumps``, as one reusable encoder."""
    return json.JSONEncoder(ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default)


def _client_authentication_failed(*, basic: bool) -> InvalidClientError:
    return InvalidClientError(
        description="Client authentication failed.", status_code=401 if basic else 400
    )


#: The only grant served at the authorization endpoint (``response_type=code``).
AUTHORIZATION_GRANT = AuthorizationCodeGrant


def create_server() -> AuthorizationServer:
    server = AuthorizationServer()
    server.register_grant(AUTHORIZATION_GRANT, [S256CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_extension(MallIssuer())
    register_token_endpoints(server)
    return server


def register_token_endpoints(server: AuthorizationServer) -> None:
    """Introspection (RFC 7662) and revocation (RFC 7009), and the gateways' client auth."""
    from authserver.oauth.gateways import GATEWAY_AUTH_METHOD, authenticate_gateway
    from authserver.oauth.introspection import Introspection
    from authserver.oauth.revocation import Revocation

    server.register_client_auth_method(GATEWAY_AUTH_METHOD, authenticate_gateway)
    server.register_endpoint(Introspection)
    server.register_endpoint(Revocation)


authorization_server = create_server()


def init_server(app) -> None:
    authorization_server.init_app(app)
    authorization_server.register_token_generator("default", generate_token_response)
