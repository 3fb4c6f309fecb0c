"""The OpenAPI 3.1 document of the JSON surface, served at ``GET /openapi.json``.

Built in code, once per process, from the same tables the server runs on: ``oauth`` describes
the token, revocation, introspection and metadata endpoints; ``admin`` generates every Admin API
operation from ``admin_api.resources.RESOURCES`` and ``admin_api.SCOPE_MAP``, so a resource,
field or scope added there is in the document without another edit. What the request limits
(``platform/limits.py``) answer before any view is added to every operation here, once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from authserver.openapi import admin, oauth

bp = Blueprint("openapi", __name__)

#: What ``platform/limits.py`` answers on any path before a view runs, in the error shape of the
#: path's surface (``OAuthError`` at the OAuth endpoints, ``ApiError`` at the Admin API).
REQUEST_LIMITS = {
    "400": (
        "A malformed request: a query string that is not UTF-8 or has too many parameters, "
        "or a NUL character in the path or a parameter"
    ),
    "414": "The query string is too long",
}


def _with_request_limits(paths: dict[str, Any]) -> dict[str, Any]:
    """``paths`` with :data:`REQUEST_LIMITS` among each operation's responses (an operation
    that already answers 400 for its own reasons, a malformed body, says both)."""
    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            error = "OAuthError" if "oauth" in operation["tags"] else "ApiError"
            responses = operation["responses"] = dict(operation["responses"])  # may be shared
            schema = {"$ref": f"#/components/schemas/{error}"}
            for status, text in REQUEST_LIMITS.items():
                known = responses.get(status)
                if known:
                    also = f"{known['description']}; or {text[0].lower()}{text[1:]}"
                    responses[status] = {**known, "description": also}
                else:
                    responses[status] = {
                        "description": text,
                        "content": {"application/json": {"schema": schema}},
                    }
    return paths


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    """The whole document (a new dict for nobody: treat it as read-only)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "authserver",
            "version": "1.0.0",
            "summary": "OAuth 2.0 authorization server and Admin API, Cafe24-style.",
            "description": (
                "Every mall is a tenant under `/malls/{mall_id}`: a Cafe24 client whose base "
                "URL is `https://{mall_id}.cafe24api.com` works with that base replaced."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "oauth", "description": "RFC 6749, 7009, 7662 and 8414 endpoints."},
            *admin.tags(),
        ],
        "paths": _with_request_limits({**oauth.paths(), **admin.paths()}),
        "components": {
            "securitySchemes": {
                "client_basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "App Key and App Secret (or gateway credentials at introspect).",
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from the token endpoint.",
                },
            },
            "schemas": {**oauth.schemas(), **admin.schemas()},
            "headers": admin.headers(),
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    response = jsonify(build_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
