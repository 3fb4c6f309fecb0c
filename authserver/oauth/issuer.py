"""The issuer of a mall (``<external base>/malls/<mall_id>``, RFC 8414 and RFC 9207).

Its own module, below ``server.py``: introspection, the token responses and the request class
import it at load time, where importing ``server.py`` would be circular (an import inside a
function costs about a microsecond on every call).
"""

from __future__ import annotations

from flask import Request, current_app, request


def issuer_for(mall_id: str) -> str:
    """``AUTHSERVER_ISSUER`` (the external base URL) or, unset, this request's host."""
    base = current_app.config["AUTHSERVER_ISSUER"]
    if not base:
        base = request_origin(request) + request.root_path
    return f"{base.rstrip('/')}/malls/{mall_id}"


def request_origin(current: Request) -> str:
    """``scheme://host`` of a request: ``request.host_url`` without its IRI decoding, which
    costs more than the rest of an introspection's URL handling (a Host is plain ASCII)."""
    return f"{current.scheme}://{current.host}"
