"""The Admin API's path and query parameters in the OpenAPI document, from the resource table.

Where each operation lives (``products/{product_no}/variants/{variant_code}``), what names its
item (a record number, or the field ``Resource.key_field`` names) and what its list takes: the
page (``limit``, ``offset``, with the resource's bounds), and the filters, ``fields`` and
``embed`` a resource declares. Every value is read from ``admin_api.resources.RESOURCES``, the
table the server runs on, so the document cannot say what the server does not do.

The page bounds and the filters are optional attributes of a row (``default_limit``,
``max_limit``, ``max_offset``, ``filters``, ``embeds``): a row without them has the server's
defaults and no filters, and the document says exactly that.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api.resources import MAX_INT, RESOURCES, Resource
from authserver.admin_api.views import DEFAULT_LIMIT, MAX_LIMIT

BASE = "/malls/{mall_id}/api/v2/admin"
#: What a key written in a path may be (``scope_map._KEY``): a member id, a variant code...
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
#: A record number in a path: decimal digits (``scope_map._NUMBER``).
NUMBER_SCHEMA = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
#: The schema of a filter's value by its kind; an unknown kind is a string.
_FILTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "numbers": {"type": "string", "pattern": r"^[0-9]+(,[0-9]+){0,99}$"},
    "since": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "flag": {"type": "string", "enum": ["T", "F"]},
    "shop": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    "date_from": {"type": "string", "maxLength": 40},
    "date_to": {"type": "string", "maxLength": 40},
}


def item_name(resource: Resource) -> str:
    """The name of the path parameter that names one item: ``member_id``, ``product_no``."""
    return resource.key_field or resource.number_field


def item_parameter(resource: Resource) -> dict[str, Any]:
    if resource.key_field is not None:
        schema: dict[str, Any] = {"type": "string", "pattern": KEY_PATTERN}
    else:
        schema = dict(NUMBER_SCHEMA)
    return {"name": item_name(resource), "in": "path", "required": True, "schema": schema}


def base_path(resource: Resource) -> str:
    """The collection's URL: ``/malls/{mall_id}/api/v2/admin/orders/{order_no}/items``."""
    if resource.parent is None:
        return f"{BASE}/{resource.path}"
    parent = RESOURCES[resource.parent]
    return f"{BASE}/{parent.path}/{{{item_name(parent)}}}/{resource.key}"


def parent_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The parent's key for a sub-resource (``product_no`` of ``products/{product_no}/...``)."""
    if resource.parent is None:
        return []
    return [item_parameter(RESOURCES[resource.parent])]


def list_parameters(resource: Resource) -> list[dict[str, Any]]:
    """``limit``/``offset`` with the resource's bounds, then its filters, ``fields``, ``embed``."""
    default = getattr(resource, "default_limit", DEFAULT_LIMIT)
    most = getattr(resource, "max_limit", MAX_LIMIT)
    offset: dict[str, Any] = {"type": "integer", "minimum": 0}
    if getattr(resource, "max_offset", None) is not None:
        offset["maximum"] = resource.max_offset
    parameters = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": most},
            "description": f"Default {default}",
        },
        {"name": "offset", "in": "query", "schema": offset},
    ]
    parameters += filter_parameters(resource)
    if getattr(resource, "filters", ()):
        names = ",".join(f.name for f in resource.fields)
        parameters.append(
            {
                "name": "fields",
                "in": "query",
                "schema": {"type": "string", "maxLength": 2000},
                "description": f"Comma-separated keys to keep in each record, of: {names}",
            }
        )
    embeds = getattr(resource, "embeds", ())
    if embeds:
        parameters.append(
            {
                "name": "embed",
                "in": "query",
                "schema": {"type": "string", "enum": list(embeds)},
                "description": "A documented sub-resource to include in each record",
            }
        )
    return parameters


def filter_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The query filters a list and its count honour (``product_no=1,3``, ``display=T``)."""
    parameters = []
    for item in getattr(resource, "filters", ()):
        schema = dict(_FILTER_SCHEMAS.get(item.kind, {"type": "string", "maxLength": 255}))
        parameters.append(
            {"name": item.name, "in": "query", "schema": schema, "x-filter-kind": item.kind}
        )
    return parameters
