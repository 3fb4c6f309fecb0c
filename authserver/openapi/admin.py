"""The Admin API's part of the OpenAPI document, generated from the resource table.

Every operation comes from ``admin_api.resources.RESOURCES`` (paths, kinds, fields and their
types and limits) and its scope from ``admin_api.SCOPE_MAP``, which is what the API itself
enforces; nothing here is written per resource. Bodies and answers are Cafe24's: requests
``{"shop_no": 1, "request": {...}}``, a collection keyed by its last path segment, an item by
its singular, and every error in the envelope ``{"error": {"code", "message", "more_info"}}``.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api import SCOPE_MAP
from authserver.admin_api.resources import (
    APP_OBJECT,
    COLLECTION,
    DATETIME,
    FLAG,
    INT,
    INT_LIST,
    ITEMS,
    LIST,
    MAX_INT,
    MONEY,
    NUMBER,
    NUMBERED,
    OBJECT,
    REPORT,
    RESOURCES,
    SINGLETON,
    STR,
    STR_LIST,
    TEXT,
    Field,
    Resource,
)
from authserver.admin_api.resources_added import ADDED
from authserver.openapi import parameters
from authserver.openapi.oauth import MALL_ID

BASE = "/malls/{mall_id}/api/v2/admin"
DATE = {"type": "string", "format": "date-time"}
_ITEM = {
    "type": "object",
    "required": ["product_no", "quantity"],
    "additionalProperties": False,
    "properties": {
        "product_no": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    },
}
_TYPES: dict[str, dict[str, Any]] = {
    STR: {"type": "string", "maxLength": 255},
    TEXT: {"type": "string", "maxLength": 5000},
    INT: {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    NUMBER: {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]+)?$"},
    FLAG: {"type": "string", "enum": ["T", "F"]},
    MONEY: {"type": "string", "pattern": r"^[0-9]{1,16}\.[0-9]{2}$"},
    DATETIME: {"type": "string", "maxLength": 40},
    INT_LIST: {
        "type": "array",
        "minItems": 1,
        "maxItems": 100,
        "items": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    },
    OBJECT: {"type": "object"},
    LIST: {"type": "array"},
    STR_LIST: {
        "type": "array",
        "minItems": 1,
        "maxItems": 100,
        "items": {"type": "string", "maxLength": 255},
    },
    ITEMS: {"type": "array", "minItems": 1, "maxItems": 100, "items": _ITEM},
}
_ERRORS = {
    "400": ("BadRequest", "Malformed JSON or Content-Type; nothing written"),
    "401": ("Unauthorized", "No, or no valid, access token"),
    "404": ("NotFound", "No such API, no such record, or the scope is missing"),
    "422": ("Unprocessable", "A field is missing or invalid (more_info.field); nothing written"),
    "429": ("TooManyRequests", "The call limit of this app on this mall is used up"),
    "503": ("Unavailable", "The database could not be reached"),
}


def describable(resource: Resource) -> bool:
    """Not yet the rows of ``resources_added`` (issue 18, point 5: sub-resources, records kept
    under another resource, computed answers); docs/admin-api.md describes those."""
    return resource not in ADDED


_DESCRIBED = [resource for resource in RESOURCES.values() if describable(resource)]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


#: What a request may send beyond what an answer holds (wire.py: booleans, numbers as money).
_REQUEST_TYPES: dict[str, dict[str, Any]] = {
    FLAG: {"oneOf": [_TYPES[FLAG], {"type": "boolean"}]},
    MONEY: {
        "oneOf": [
            {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
            {"type": "number", "minimum": 0, "maximum": 10**15},
        ]
    },
    DATETIME: {"type": "string", "format": "date-time"},
}
_REQUEST_TYPES[NUMBER] = _REQUEST_TYPES[MONEY]  # both: a decimal string or a JSON number


def _field_schema(f: Field, *, nullable: bool, request: bool = False) -> dict[str, Any]:
    schema = dict((request and _REQUEST_TYPES.get(f.type)) or _TYPES[f.type])
    if f.ref:
        schema["minimum"] = 1
    if nullable:
        schema = {"oneOf": [schema, {"type": "null"}]}
    return schema


def _name(resource: Resource) -> str:
    return "".join(part.title() for part in resource.path.replace("/", "_").split("_"))


def _record(resource: Resource) -> dict[str, Any]:
    """A record as the API shows it (records.to_json / store_json / sales_volume)."""
    fields = {f.name: _field_schema(f, nullable=True) for f in resource.fields}
    if resource.kind == REPORT:
        counts = {"type": "string", "pattern": "^[0-9]+$"}  # Cafe24 writes them as strings
        properties = {
            "shop_no": {"const": "1"},
            "product_no": {"type": "integer"},
            "total_sales": counts,
            "settle_count": counts,
        }
        return {"type": "object", "required": list(properties), "properties": properties}
    if resource.kind == APP_OBJECT:
        return {"type": "object", "required": list(fields), "properties": fields}
    if resource.kind == SINGLETON:
        properties = {"shop_no": {"const": 1}, "mall_id": {"type": "string"}, **fields}
        properties["shop_name"] = {"type": "string"}
        required = list(properties)
        properties["updated_date"] = DATE
        return {"type": "object", "required": required, "properties": properties}
    properties = {
        resource.number_field: _key_schema(resource),
        "shop_no": {"const": 1},
        **fields,
        "created_date": DATE,
        "updated_date": DATE,
    }
    embedded = set(resource.embeds)
    required = [name for name in properties if name not in embedded]
    return {"type": "object", "required": required, "properties": properties}


def _key_schema(resource: Resource) -> dict[str, Any]:
    if resource.key_kind == NUMBERED:
        return {"type": "integer", "minimum": 1}
    return {"type": "string"}


def _request(resource: Resource, *, partial: bool) -> dict[str, Any]:
    """Cafe24's write body; ``request`` holds the fields (all required ones unless partial)."""
    fields = {
        f.name: _field_schema(f, nullable=partial or not f.required, request=True)
        for f in resource.fields
    }
    inner: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": fields}
    if partial:
        inner["minProperties"] = 1
    else:
        inner["required"] = [f.name for f in resource.fields if f.required]
    return {
        "type": "object",
        "required": ["request"],
        "properties": {"shop_no": {"const": 1}, "request": inner},
    }


def schemas() -> dict[str, Any]:
    envelope = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "more_info"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "more_info": {"type": "object"},
                },
            }
        },
    }
    result: dict[str, Any] = {"ApiError": envelope}
    for resource in _DESCRIBED:
        name = _name(resource)
        result[name] = _record(resource)
        if "create" in resource.actions:
            result[f"{name}Create"] = _request(resource, partial=False)
        if "update" in resource.actions:
            result[f"{name}Update"] = _request(resource, partial=True)
    return result


def headers() -> dict[str, Any]:
    return {
        "X-Api-Call-Limit": {
            "description": "used/size of the leaky bucket of this app on this mall",
            "schema": {"type": "string", "pattern": r"^\d+/\d+$"},
        },
        "WWW-Authenticate": {
            "description": 'Bearer realm="<issuer>" or Bearer error="invalid_token"',
            "required": True,
            "schema": {"type": "string", "pattern": "^Bearer "},
        },
        "Retry-After": {"required": True, "schema": {"type": "string", "pattern": r"^\d+$"}},
    }


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _answer(status: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    extra = {"401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After"}
    answer["headers"] = {"X-Api-Call-Limit": _header("X-Api-Call-Limit")}
    if status in extra:
        answer["headers"][extra[status]] = _header(extra[status])
    return answer


def _operation(
    resource: Resource, method: str, action: str, status: str, schema: dict, **extra: Any
) -> dict[str, Any]:
    scope = SCOPE_MAP[(method, resource.path)]
    errors = ["401", "404", "429", "503"]
    if method in ("POST", "PUT") or action == "list":
        errors += ["422"]
    if method in ("POST", "PUT"):
        errors += ["400"]
    return {
        "tags": [resource.path.split("/")[0]],
        "operationId": f"{action}_{resource.path.replace('/', '_')}",
        "summary": f"{action} {resource.path} (needs {scope})",
        "description": f"Needs the scope `{scope}`; without it: 404 Permission unauthorized.",
        "security": [{"bearer": []}],
        "x-required-scope": scope,
        "responses": {
            status: _answer(status, action, schema),
            **{code: _answer(code, _ERRORS[code][1], _ref("ApiError")) for code in errors},
        },
        **extra,
    }


def _bulk_body(resource: Resource) -> dict[str, Any]:
    """Cafe24's bulk form: ``{"shop_no": 1, "requests": [{<key>: ..., <fields>...}]}``."""
    fields = {f.name: _field_schema(f, nullable=True, request=True) for f in resource.fields}
    one = {
        "type": "object",
        "required": [resource.number_field],
        "additionalProperties": False,
        "minProperties": 2,
        "properties": {resource.number_field: _key_schema(resource), **fields},
    }
    schema = {
        "type": "object",
        "required": ["requests"],
        "properties": {
            "shop_no": {"const": 1},
            "requests": {"type": "array", "minItems": 1, "maxItems": 100, "items": one},
        },
    }
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def paths() -> dict[str, Any]:
    result: dict[str, Any] = {}
    for resource in _DESCRIBED:
        _resource_paths(result, resource)
    return result


def _page_parameters(resource: Resource) -> list[dict[str, Any]]:
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


def _resource_paths(result: dict[str, Any], resource: Resource) -> None:
    """The operations of the actions the resource offers (``Resource.actions``)."""
    name, base, actions = _name(resource), f"{BASE}/{resource.path}", resource.actions
    listed = {"type": "object", "required": [resource.key]}
    listed["properties"] = {resource.key: {"type": "array", "items": _ref(name)}}
    item = {
        "type": "object",
        "required": [resource.singular],
        "properties": {resource.singular: _ref(name)},
    }
    update = {"requestBody": _body(f"{name}Update")}
    operations: dict[str, Any] = {}
    if resource.kind in (SINGLETON, APP_OBJECT):
        if "get" in actions:
            operations["get"] = _operation(resource, "GET", "get", "200", item)
        if "update" in actions:
            operations["put"] = _operation(resource, "PUT", "update", "200", item, **update)
    else:
        if "list" in actions:
            query = _page_parameters(resource) + parameters.list_parameters(resource)
            operations["get"] = _operation(resource, "GET", "list", "200", listed, parameters=query)
        if "create" in actions:
            operations["post"] = _operation(
                resource, "POST", "create", "201", item, requestBody=_body(f"{name}Create")
            )
        if "update" in resource.bulk:
            operations["put"] = _operation(
                resource, "PUT", "bulk_update", "200", listed, requestBody=_bulk_body(resource)
            )
    if operations:
        result[base] = {"parameters": [MALL_ID], **operations}
    if resource.kind != COLLECTION:
        return
    if "count" in actions:
        count = {"type": "object", "required": ["count"]}
        count["properties"] = {"count": {"type": "integer", "minimum": 0}}
        counted = _operation(
            resource,
            "GET",
            "count",
            "200",
            count,
            parameters=parameters.filter_parameters(resource),
        )
        # A known filter with a bad value is a 422 that names it, on a count as on a list.
        counted["responses"]["422"] = _answer("422", _ERRORS["422"][1], _ref("ApiError"))
        result[f"{base}/count"] = {"parameters": [MALL_ID], "get": counted}
    key_schema = (
        {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
        if resource.key_kind == NUMBERED
        else {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"}
    )
    number = {"name": resource.number_field, "in": "path", "required": True, "schema": key_schema}
    deleted = {
        "type": "object",
        "required": [resource.singular],
        "properties": {
            resource.singular: {
                "type": "object",
                "required": ["shop_no", resource.number_field],
                "properties": {
                    "shop_no": {"const": 1},
                    resource.number_field: _key_schema(resource),
                },
            }
        },
    }
    by_key: dict[str, Any] = {}
    if "get" in actions:
        by_key["get"] = _operation(resource, "GET", "get", "200", item)
    if "update" in actions:
        by_key["put"] = _operation(resource, "PUT", "update", "200", item, **update)
    if "delete" in actions:
        by_key["delete"] = _operation(resource, "DELETE", "delete", "200", deleted)
    if by_key:
        result[f"{base}/{{{resource.number_field}}}"] = {"parameters": [MALL_ID, number], **by_key}


def tags() -> list[dict[str, str]]:
    seen = dict.fromkeys(resource.path.split("/")[0] for resource in _DESCRIBED)
    return [{"name": tag, "description": f"Admin API: {tag}"} for tag in seen]
