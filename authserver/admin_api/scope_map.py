"""Which scope each Admin API call needs: one map, built once from the scope catalogue.

``SCOPE_MAP`` holds (method, resource) -> scope, derived from ``scopes.CATEGORIES``: GET needs
the category's read scope; POST, PUT and DELETE its write scope (write does not imply read), and
a category without a write scope (``salesreport``) has no write calls. Adding a resource is one
line in the catalogue plus its row in ``resources.RESOURCES``.

``resolve`` turns (method, path under ``/api/v2/admin/``) into an ``Endpoint`` or ``None`` (no
such API), and ``required_scope`` answers the same question for the Admin API's own hook and for
the gateway check, which must decide with the same map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authserver.admin_api.resources import (
    COLLECTION,
    EMBEDDED,
    REPORT,
    RESOURCES,
    SINGLETON,
    Resource,
)
from authserver.scopes import CATEGORIES

#: Which of a category's scopes each HTTP method needs (DESIGN.md, "Admin API").
METHOD_SCOPE: dict[str, str] = {
    "GET": "read_scope",
    "POST": "write_scope",
    "PUT": "write_scope",
    "DELETE": "write_scope",
}

#: (method, resource path) -> the scope the call needs.
SCOPE_MAP: dict[tuple[str, str], str] = {
    (method, path): getattr(category, attribute)
    for category in CATEGORIES
    for path in category.resources
    for method, attribute in METHOD_SCOPE.items()
    if getattr(category, attribute)
}

#: (kind, method, shape of the rest of the path) -> action. ``item`` is a record number.
_ACTIONS: dict[tuple[str, str, str], str] = {
    (COLLECTION, "GET", ""): "list",
    (COLLECTION, "GET", "count"): "count",
    (COLLECTION, "GET", "item"): "get",
    (COLLECTION, "POST", ""): "create",
    (COLLECTION, "PUT", "item"): "update",
    (COLLECTION, "DELETE", "item"): "delete",
    (SINGLETON, "GET", ""): "get",
    (SINGLETON, "PUT", ""): "update",
    (REPORT, "GET", ""): "list",
    (EMBEDDED, "GET", ""): "list",
    (EMBEDDED, "GET", "count"): "count",
    (EMBEDDED, "POST", ""): "create",
    (EMBEDDED, "PUT", "item"): "update",
}

_NUMBER = re.compile(r"[0-9]{1,18}")
#: A key that is a field's value (``member_id``, ``variant_code``, ``order_item_code``).
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_ADMIN_URI = re.compile(r"/malls/([^/?#]+)/api/v2/admin(?:/([^?#]*))?(?:[?#].*)?")


@dataclass(frozen=True)
class Endpoint:
    resource: Resource
    action: str
    scope: str
    number: int | None = None
    #: The item named by ``resource.key_field`` (``customersprivacy/jisoo``).
    key: str | None = None
    #: A sub-resource's parent record number (``orders/3/items`` -> 3).
    parent: int | None = None


def resolve(method: str, path: str) -> Endpoint | None:
    """The endpoint for ``method`` on ``path`` (``products/12``), or ``None``: no such API.

    HEAD is GET. The path is taken as it is: no leading or trailing slash, record numbers in
    decimal digits only; anything else is no API.
    """
    endpoint = _WITHOUT_NUMBER.get((method, path))
    if endpoint is not None:
        return endpoint
    return _resolve(method, path)


def _resolve(method: str, path: str) -> Endpoint | None:
    method = "GET" if method.upper() == "HEAD" else method.upper()
    segments = path.split("/")
    parent = None
    if len(segments) in (3, 4) and _NUMBER.fullmatch(segments[1]):
        # <parent>/{number}/<child>[/{key}|/count]: a sub-resource, or no API.
        resource = RESOURCES.get(f"{segments[0]}/{segments[2]}")
        if resource is None or resource.parent != segments[0]:
            return None
        parent, rest = int(segments[1]), segments[3:]
    else:
        resource, rest = RESOURCES.get(path), []
        if resource is None and len(segments) > 1:
            resource, rest = RESOURCES.get("/".join(segments[:-1])), segments[-1:]
        if resource is None or resource.parent is not None:
            return None
    number = key = None
    if not rest:
        shape = ""
    elif rest[0] == "count":
        shape = "count"
    elif resource.key_field is None and _NUMBER.fullmatch(rest[0]):
        shape, number = "item", int(rest[0])
    elif resource.key_field is not None and _KEY.fullmatch(rest[0]):
        shape, key = "item", rest[0]
    else:
        return None
    action = _ACTIONS.get((resource.kind, method, shape))
    scope = SCOPE_MAP.get((method, resource.path))
    if action is None or scope is None or action not in resource.actions:
        return None
    return Endpoint(resource, action, scope, number, key, parent)


#: The endpoints that name no record (most calls: lists, counts, the store), resolved once for
#: the methods as Werkzeug spells them; an ``Endpoint`` is immutable, so they can be shared.
_WITHOUT_NUMBER: dict[tuple[str, str], Endpoint] = {
    (method, path): endpoint
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE")
    for resource in RESOURCES
    for path in (resource, f"{resource}/count")
    if (endpoint := _resolve(method, path)) is not None
}


def required_scope(method: str, path: str) -> str | None:
    """The scope ``method`` on ``path`` (under ``/api/v2/admin/``) needs; ``None``: no such API."""
    endpoint = resolve(method, path.removeprefix("/"))
    return endpoint.scope if endpoint else None


def parse_admin_uri(uri: str) -> tuple[str, str] | None:
    """``/malls/m/api/v2/admin/products/1?x`` -> ``("m", "products/1")``; ``None`` otherwise.

    For the gateway check, which gets the original URI from the proxy.
    """
    match = _ADMIN_URI.fullmatch(uri)
    if match is None:
        return None
    return match.group(1), match.group(2) or ""
