"""The Admin API's list and count query parameters in the OpenAPI document, from the table.

Each list and count takes the filters its row in ``admin_api.resources.RESOURCES`` declares
(``Resource.filters``: a name and a kind of ``admin_api.filters.KINDS``); each list also takes
``fields`` (the row's field names) and ``embed`` (the row's embedded sub-resources, if any).
The schemas follow what ``admin_api.filters`` accepts, so the document cannot offer a filter
the server does not run, nor miss one it does.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api.resources import MAX_INT, Resource

#: A comma-separated list of up to 100 values (Cafe24: ",(콤마)로 여러 건을 검색할 수 있다").
_LIST = r"^[^,]{1,255}(,[^,]{1,255}){0,99}$"
#: The schema of a filter's value by its kind (``filters.KINDS``).
_SCHEMAS: dict[str, dict[str, Any]] = {
    "numbers": {"type": "string", "pattern": r"^[0-9]{1,10}(,[0-9]{1,10}){0,99}$"},
    "since": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "shop": {"type": "integer", "minimum": 1, "maximum": 1},
    "flag": {"type": "string", "enum": ["T", "F"]},
    "date_from": {"type": "string", "format": "date"},
    "date_to": {"type": "string", "format": "date"},
    "min": {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
    "max": {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
    "date_type": {"type": "string", "pattern": "^[a-z_]{1,40}$"},
}


def filter_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The query filters a list and its count honour (``product_no=1,3``, ``display=T``)."""
    return [
        {
            "name": item.name,
            "in": "query",
            "schema": dict(_SCHEMAS.get(item.kind, {"type": "string", "pattern": _LIST})),
            "x-filter-kind": item.kind,
        }
        for item in resource.filters
    ]


def list_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The filters, then ``fields`` (any of the row's field names) and ``embed`` if it has any."""
    names = "|".join(sorted({resource.number_field, "shop_no", *resource.by_name}))
    parameters = filter_parameters(resource)
    parameters.append(
        {
            "name": "fields",
            "in": "query",
            "schema": {"type": "string", "pattern": f"^({names})(,({names}))*$"},
            "description": "Comma-separated keys each record keeps",
        }
    )
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
