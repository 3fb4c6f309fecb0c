"""The OpenAPI 3.1 document of the JSON surface, served at ``GET /openapi.json``.

Built in code, once per process, from the same tables the server runs on: ``oauth`` describes
the token, revocation, introspection and metadata endpoints; ``admin`` generates every Admin API
operation from ``admin_api.resources.RESOURCES`` and ``admin_api.SCOPE_MAP``, so a resource,
field or scope added there is in the document without another edit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from authserver.openapi import admin, oauth

bp = Blueprint("openapi", __name__)


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
        "paths": {**oauth.paths(), **admin.paths()},
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
