"""The Admin API's path and query parameters in the OpenAPI document, from the resource table.

Each list and count takes the filters its row in ``admin_api.resources.RESOURCES`` declares
(``Resource.filters``: a name, a kind of ``admin_api.filters.KINDS``, whether Cafe24 requires
it); a list also takes ``limit``/``offset`` within the row's bounds (but an embedded one, all of
its parent's children), and a list or read of stored or embedded records ``fields`` (the keys
they answer, ``resources.answer_keys``) and ``embed`` (its embedded fields, if any). A
sub-resource's path names its parent's key. The schemas follow what
``admin_api.filters`` and ``admin_api.keys`` accept, so the document cannot offer a parameter the
server does not read, nor miss one it does.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api.resources import MAX_INT, RESOURCES, Filter, Resource, answer_keys
from authserver.openapi import shapes

#: A comma-separated list of up to 100 values (Cafe24: ",(콤마)로 여러 건을 검색할 수 있다").
_LIST = r"^[^,]{1,255}(,[^,]{1,255}){0,99}$"
#: The schema of a filter's value by its kind (``filters.KINDS``).
_SCHEMAS: dict[str, dict[str, Any]] = {
    "numbers": {"type": "string", "pattern": r"^[0-9]{1,10}(,[0-9]{1,10}){0,99}$"},
    "since": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "shop": {"type": "integer", "minimum": 1, "maximum": 1},
    "flag": {"type": "string", "enum": ["T", "F"]},
    "flags": {"type": "string", "pattern": "^[TF](,[TF]){0,99}$"},
    "date_from": {"type": "string", "format": "date"},
    "date_to": {"type": "string", "format": "date"},
    "min": {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
    "max": {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
    "date_type": {"type": "string", "pattern": "^[a-z_]{1,40}$"},
    "keyword": {"type": "string", "minLength": 1, "maxLength": 255},
}


def filter_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The query filters a list and its count honour (``product_no=1,3``, ``display=T``)."""
    return [
        {
            "name": item.name,
            "in": "query",
            "required": item.required,
            "schema": _schema(item),
            "x-filter-kind": item.kind,
        }
        for item in resource.filters
    ]


def _schema(item: Filter) -> dict[str, Any]:
    if item.kind == "choice":
        schema: dict[str, Any] = {"type": "string", "enum": list(item.choices)}
    else:
        schema = dict(_SCHEMAS.get(item.kind, {"type": "string", "pattern": _LIST}))
    if item.default is not None:
        schema["default"] = item.default
    return schema


def page_parameters(resource: Resource) -> list[dict[str, Any]]:
    """``limit`` and ``offset`` with the resource's own bounds (``Resource.max_limit``...)."""
    return [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": resource.max_limit},
            "description": f"Default {resource.default_limit}",
        },
        {
            "name": "offset",
            "in": "query",
            "schema": {"type": "integer", "minimum": 0, "maximum": resource.max_offset},
        },
    ]


def read_parameters(resource: Resource) -> list[dict[str, Any]]:
    """``fields`` (any of the keys a record shows) and ``embed`` if the row has embedded fields."""
    names = "|".join(sorted(answer_keys(resource)))
    parameters: list[dict[str, Any]] = [
        {
            "name": "fields",
            "in": "query",
            "schema": {"type": "string", "pattern": f"^({names})(,({names}))*$"},
            "description": "Comma-separated keys each record keeps",
        }
    ]
    if resource.embeds:
        parameters.append(
            {
                "name": "embed",
                "in": "query",
                "schema": {"type": "string", "enum": list(resource.embeds)},
                "description": "A documented sub-resource included in each record",
            }
        )
    return parameters


def parent_parameters(resource: Resource) -> list[dict[str, Any]]:
    """A sub-resource's parent key in its path (``orders/{order_id}/items``); none otherwise."""
    if resource.parent is None:
        return []
    return [shapes.key_parameter(RESOURCES[resource.parent])]
