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
    APP_OBJECT,
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

#: (kind, method, shape of the rest of the path) -> action. ``item`` is a record's key.
#: ``bulk_update`` is Cafe24's ``PUT /orders`` (or ``products/{product_no}/variants``) with
#: ``requests``. A resource answers only the
#: actions its row declares (``Resource.actions``, Cafe24's methods); any other is ``ABSENT``.
_ACTIONS: dict[tuple[str, str, str], str] = {
    (COLLECTION, "GET", ""): "list",
    (COLLECTION, "GET", "count"): "count",
    (COLLECTION, "GET", "item"): "get",
    (COLLECTION, "POST", ""): "create",
    (COLLECTION, "PUT", ""): "bulk_update",
    (COLLECTION, "PUT", "item"): "update",
    (COLLECTION, "DELETE", "item"): "delete",
    (SINGLETON, "GET", ""): "get",
    (SINGLETON, "POST", ""): "create",
    (SINGLETON, "PUT", ""): "update",
    (SINGLETON, "DELETE", ""): "delete",
    (APP_OBJECT, "GET", ""): "get",
    (APP_OBJECT, "POST", ""): "create",
    (APP_OBJECT, "PUT", ""): "update",
    (APP_OBJECT, "DELETE", ""): "delete",
    (REPORT, "GET", ""): "list",
    (EMBEDDED, "GET", ""): "list",
    (EMBEDDED, "GET", "count"): "count",
    (EMBEDDED, "GET", "item"): "get",
    (EMBEDDED, "POST", ""): "create",
    (EMBEDDED, "PUT", ""): "bulk_update",
    (EMBEDDED, "PUT", "item"): "update",
    (EMBEDDED, "DELETE", "item"): "delete",
}
#: A method Cafe24 does not offer on a resource: answered, after the scope check, as Cafe24
#: answers any call that names no API (404 "Cannot locate API.").
ABSENT = "absent"

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_ADMIN_URI = re.compile(r"/malls/([^/?#]+)/api/v2/admin(?:/([^?#]*))?(?:[?#].*)?")


@dataclass(frozen=True)
class Endpoint:
    resource: Resource
    action: str
    scope: str
    #: The item's key as the path writes it (``12``, ``20240131-0000012``, ``B000000A``).
    key: str | None = None
    #: A sub-resource's parent key as the path writes it (``orders/20240131-0000012/items``).
    parent: str | None = None


def resolve(method: str, path: str) -> Endpoint | None:
    """The endpoint for ``method`` on ``path`` (``products/12``), or ``None``: no such API.

    HEAD is GET. The path is taken as it is: no leading or trailing slash, an item's key of
    letters, digits and ``_.@-`` only; anything else is no API. A method the resource does not
    offer resolves (its scope is checked first) to the action ``ABSENT``.
    """
    endpoint = _WITHOUT_NUMBER.get((method, path))
    if endpoint is not None:
        return endpoint
    return _resolve(method, path)


def _resolve(method: str, path: str) -> Endpoint | None:
    method = "GET" if method.upper() == "HEAD" else method.upper()
    segments = path.split("/")
    parent, child = None, None
    if len(segments) in (3, 4) and _KEY.fullmatch(segments[1]):
        child = RESOURCES.get(f"{segments[0]}/{segments[2]}")
    if child is not None and child.parent == segments[0]:
        # <parent>/{parent key}/<child>[/{key}|/count]: a sub-resource.
        resource, parent, rest = child, segments[1], segments[3:]
    else:
        resource, rest = RESOURCES.get(path), []
        if resource is None and len(segments) > 1:
            resource, rest = RESOURCES.get("/".join(segments[:-1])), segments[-1:]
        if resource is None or resource.parent is not None:
            return None
    key = None
    if not rest:
        shape = ""
    elif rest[0] == "count":
        shape = "count"
    elif _KEY.fullmatch(rest[0]):
        shape, key = "item", rest[0]
    else:
        return None
    action = _ACTIONS.get((resource.kind, method, shape))
    scope = SCOPE_MAP.get((method, resource.path))
    if action is None or scope is None:
        return None
    # A call the Admin API has for this kind of resource, but Cafe24 not for this one: the
    # scope is checked first (Cafe24: "a 404 error (permission unauthorized)"), then ABSENT.
    offered = action.removeprefix("bulk_") in resource.actions
    if action == "bulk_update":
        offered = offered and "update" in resource.bulk
    return Endpoint(resource, action if offered else ABSENT, scope, key, parent)


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
