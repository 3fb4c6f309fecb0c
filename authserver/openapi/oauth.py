"""The OpenAPI description of the OAuth endpoints: token, revoke, introspect, metadata.

Client authentication is HTTP Basic (``client_basic``) or ``client_id``/``client_secret`` form
fields, one per request; native apps send ``client_id`` alone with PKCE. Errors are RFC 6749
§5.2 JSON (``OAuthError``). ``Cache-Control: no-store`` rides on every token answer.
"""

from __future__ import annotations

from typing import Any

from authserver import scopes

MALL_ID = {
    "name": "mall_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"},
}
STAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$"}
SCOPE_LIST = {"type": "array", "items": {"type": "string", "enum": list(scopes.ALL_SCOPES)}}
CLIENT_AUTH = [{"client_basic": []}, {}]
FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": {"schema": {"type": "string"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict | None = None) -> dict:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "invalid_request, invalid_grant, invalid_scope, unsupported_grant_type, ...",
        401: "invalid_client (WWW-Authenticate: Basic when the client used HTTP Basic)",
        503: "temporarily_unavailable: the database could not be reached (Retry-After)",
    }
    return {str(status): _json(_ref("OAuthError"), text[status]) for status in statuses}


def schemas() -> dict[str, Any]:
    client_fields = {
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    }
    return {
        "OAuthError": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "error_description": {"type": "string"},
                "error_uri": {"type": "string"},
            },
        },
        "TokenRequest": {
            "oneOf": [
                {
                    "type": "object",
                    "title": "authorization_code",
                    "required": ["grant_type", "code", "redirect_uri"],
                    "properties": {
                        "grant_type": {"const": "authorization_code"},
                        "code": {"type": "string"},
                        "redirect_uri": {"type": "string"},
                        "code_verifier": {"type": "string"},
                        **client_fields,
                    },
                },
                {
                    "type": "object",
                    "title": "refresh_token",
                    "required": ["grant_type", "refresh_token"],
                    "properties": {
                        "grant_type": {"const": "refresh_token"},
                        "refresh_token": {"type": "string"},
                        **client_fields,
                    },
                },
            ]
        },
        "TokenResponse": {
            "type": "object",
            "description": "A superset of Cafe24's token response and RFC 6749 §5.1's.",
            "required": [
                "access_token",
                "token_type",
                "expires_in",
                "expires_at",
                "scope",
                "scopes",
                "client_id",
                "mall_id",
                "user_id",
                "shop_no",
                "issued_at",
            ],  # fmt: skip
            "properties": {
                "access_token": {"type": "string"},
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer", "minimum": 1},
                "expires_at": STAMP,
                "refresh_token": {"type": "string"},
                "refresh_token_expires_at": STAMP,
                "scope": {"type": "string"},
                "scopes": SCOPE_LIST,
                "client_id": {"type": "string"},
                "mall_id": {"type": "string"},
                "user_id": {"type": "string"},
                "shop_no": {"const": "1"},
                "issued_at": STAMP,
            },
        },
        "TokenReference": {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": {"type": "string"},
                "token_type_hint": {"type": "string"},
                "token_hint": {
                    "type": "string",
                    "description": "Cafe24's name for RFC 7009's token_type_hint.",
                },
                **client_fields,
            },
        },
        "Introspection": {
            "oneOf": [
                {
                    "type": "object",
                    "title": "inactive",
                    "required": ["active"],
                    "properties": {"active": {"const": False}},
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "title": "active",
                    "required": [
                        "active",
                        "scope",
                        "client_id",
                        "mall_id",
                        "user_id",
                        "sub",
                        "token_type",
                        "exp",
                        "iat",
                        "iss",
                    ],  # fmt: skip
                    "properties": {
                        "active": {"const": True},
                        "scope": {"type": "string"},
                        "client_id": {"type": "string"},
                        "mall_id": {"type": "string"},
                        "user_id": {"type": "string"},
                        "sub": {"type": "string"},
                        "token_type": {"enum": ["Bearer", "refresh_token"]},
                        "exp": {"type": "integer"},
                        "iat": {"type": "integer"},
                        "iss": {"type": "string"},
                    },
                },
            ]
        },
        "Metadata": {
            "type": "object",
            "description": "RFC 8414 authorization server metadata of one mall's issuer.",
            "required": [
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "response_types_supported",
            ],  # fmt: skip
            "properties": {
                "issuer": {"type": "string"},
                "authorization_endpoint": {"type": "string"},
                "token_endpoint": {"type": "string"},
                "revocation_endpoint": {"type": "string"},
                "introspection_endpoint": {"type": "string"},
                "scopes_supported": SCOPE_LIST,
                "response_types_supported": {"type": "array", "items": {"type": "string"}},
                "grant_types_supported": {"type": "array", "items": {"type": "string"}},
                "code_challenge_methods_supported": {
                    "type": "array",
                    "items": {"type": "string"},
                },
                "authorization_response_iss_parameter_supported": {"type": "boolean"},
            },
        },
        "NotFound": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        },
    }


def _form(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {FORM: {"schema": _ref(schema)}}}


def paths() -> dict[str, Any]:
    oauth = "/malls/{mall_id}/api/v2/oauth"
    metadata = {
        "tags": ["oauth"],
        "summary": "RFC 8414 metadata of the mall's issuer",
        "parameters": [MALL_ID],
        "responses": {
            "200": _json(_ref("Metadata"), "The metadata document"),
            "404": _json(_ref("NotFound"), "There is no such mall"),
        },
    }
    return {
        f"{oauth}/token": {
            "post": {
                "tags": ["oauth"],
                "operationId": "token",
                "summary": "Exchange a code, or refresh (RFC 6749 §4.1.3, §6)",
                "parameters": [MALL_ID],
                "security": CLIENT_AUTH,
                "requestBody": _form("TokenRequest"),
                "responses": {
                    "200": _json(_ref("TokenResponse"), "Tokens", NO_STORE),
                    **_errors(400, 401, 503),
                },
            }
        },
        f"{oauth}/revoke": {
            "post": {
                "tags": ["oauth"],
                "operationId": "revoke",
                "summary": "Revoke a token and its pair (RFC 7009)",
                "parameters": [MALL_ID],
                "security": CLIENT_AUTH,
                "requestBody": _form("TokenReference"),
                "responses": {
                    "200": _json({"type": "object"}, "Revoked, or there was nothing to revoke"),
                    **_errors(400, 401, 503),
                },
            }
        },
        f"{oauth}/introspect": {
            "post": {
                "tags": ["oauth"],
                "operationId": "introspect",
                "summary": "Introspect a token (RFC 7662): gateways any, web apps their own",
                "parameters": [MALL_ID],
                "security": CLIENT_AUTH,
                "requestBody": _form("TokenReference"),
                "responses": {
                    "200": _json(_ref("Introspection"), "Active or inactive", NO_STORE),
                    **_errors(400, 401, 503),
                },
            }
        },
        "/malls/{mall_id}/.well-known/oauth-authorization-server": {
            "get": {**metadata, "operationId": "metadata"}
        },
        "/.well-known/oauth-authorization-server/malls/{mall_id}": {
            "get": {**metadata, "operationId": "metadata_rfc8414"}
        },
    }
