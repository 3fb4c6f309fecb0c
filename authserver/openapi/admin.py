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
    BOOL,
    COLLECTION,
    EMBEDDED,
    INT,
    INT_LIST,
    ITEMS,
    MAX_INT,
    NUMBER,
    REPORT,
    RESOURCES,
    SINGLETON,
    STR,
    STR_LIST,
    TEXT,
    Field,
    Resource,
)
from authserver.openapi import parameters
from authserver.openapi.oauth import MALL_ID

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
    NUMBER: {"type": "number", "minimum": 0, "maximum": 10**15},
    BOOL: {"type": "boolean"},
    STR_LIST: {
        "type": "array",
        "minItems": 1,
        "maxItems": 100,
        "items": {"type": "string", "maxLength": 255},
    },
    ITEMS: {"type": "array", "minItems": 1, "maxItems": 100, "items": _ITEM},
    INT_LIST: {
        "type": "array",
        "minItems": 1,
        "maxItems": 100,
        "items": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    },
}


#: Answers whose records are not ``records.to_json``'s: checked for their key fields only.
_OWN_SHAPES = {"points", "dashboard"}
#: Cafe24's points.md answers a create under ``points``, not the singular.
_CREATED_UNDER = {"points": "points"}
_ERRORS = {
    "400": ("BadRequest", "Malformed JSON or Content-Type; nothing written"),
    "401": ("Unauthorized", "No, or no valid, access token"),
    "404": ("NotFound", "No such API, no such record, or the scope is missing"),
    "422": ("Unprocessable", "A field is missing or invalid (more_info.field); nothing written"),
    "429": ("TooManyRequests", "The call limit of this app on this mall is used up"),
    "503": ("Unavailable", "The database could not be reached"),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _field_schema(f: Field, *, nullable: bool) -> dict[str, Any]:
    schema = dict(_TYPES[f.type])
    if f.ref:
        schema["minimum"] = 1
    if nullable:
        schema = {"oneOf": [schema, {"type": "null"}]}
    return schema


def _name(resource: Resource) -> str:
    return "".join(part.title() for part in resource.path.replace("/", "_").split("_"))


def _record(resource: Resource) -> dict[str, Any]:
    """A record as the API shows it (records.to_json / store_json / the reports)."""
    fields = {f.name: _field_schema(f, nullable=True) for f in resource.fields}
    if resource.path in _OWN_SHAPES:
        return {"type": "object", "required": ["shop_no"], "properties": {"shop_no": {"const": 1}}}
    if resource.kind == REPORT:
        counts = ("product_no", "total_sales", "settle_count")
        properties = {"shop_no": {"const": 1}, **{n: {"type": "integer"} for n in counts}}
        return {"type": "object", "required": list(properties), "properties": properties}
    if resource.kind == SINGLETON:
        properties = {"shop_no": {"const": 1}, "mall_id": {"type": "string"}, **fields}
        properties["shop_name"] = {"type": "string"}
        required = list(properties)
        properties["updated_date"] = DATE
        return {"type": "object", "required": required, "properties": properties}
    if resource.kind == EMBEDDED:  # an order's items: kept in the order, shown with their code
        key = {resource.key_field: {"type": "string"}} if resource.key_field else {}
        return {"type": "object", "required": list(key), "properties": {**key, **fields}}
    number = {} if resource.key_field else {resource.number_field: {"type": "integer"}}
    properties = {
        **number,
        "shop_no": {"const": 1},
        **fields,
        **{name: DATE for name in resource.dates},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def _request(resource: Resource, *, partial: bool) -> dict[str, Any]:
    """Cafe24's write body; ``request`` holds the fields (all required ones unless partial)."""
    fields = {
        f.name: _field_schema(f, nullable=partial or not f.required)
        for f in resource.fields
        if not f.read_only
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
    for resource in RESOURCES.values():
        name = _name(resource)
        result[name] = _record(resource)
        if "create" in resource.actions and resource.kind in (COLLECTION, EMBEDDED):
            result[f"{name}Create"] = _request(resource, partial=False)
        if "update" in resource.actions and SCOPE_MAP.get(("PUT", resource.path)):
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


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def paths() -> dict[str, Any]:
    """Every call the server answers, from each row's kind and the actions Cafe24 documents."""
    result: dict[str, Any] = {}
    for resource in RESOURCES.values():
        for path, item in _resource_paths(resource).items():
            result.setdefault(path, {}).update(item)
    return result


def _wrapped(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [key], "properties": {key: schema}}


def _resource_paths(resource: Resource) -> dict[str, dict[str, Any]]:
    name, base, actions = _name(resource), parameters.base_path(resource), resource.actions
    common = [MALL_ID, *parameters.parent_parameters(resource)]
    record = _ref(name)
    item = _wrapped(resource.singular, record)
    operations: dict[str, dict[str, Any]] = {}

    def add(path: str, method: str, action: str, status: str, schema: dict, **extra) -> None:
        here = operations.setdefault(path, {"parameters": list(common)})
        here[method.lower()] = _operation(resource, method, action, status, schema, **extra)

    if resource.kind in (SINGLETON,):
        add(base, "GET", "get", "200", item)
        add(base, "PUT", "update", "200", item, requestBody=_body(f"{name}Update"))
        return operations
    if resource.kind == REPORT:
        listed = _wrapped(resource.key, {"type": "array", "items": record})
        add(base, "GET", "list", "200", listed, parameters=parameters.list_parameters(resource))
        return operations
    listed = _wrapped(resource.key, {"type": "array", "items": record})
    if "list" in actions:  # an order's items come whole: Cafe24 documents no page for them
        page = parameters.list_parameters(resource) if resource.kind == COLLECTION else []
        add(base, "GET", "list", "200", listed, parameters=page)
    if "count" in actions:
        count = _wrapped("count", {"type": "integer", "minimum": 0})
        add(f"{base}/count", "GET", "count", "200", count,
            parameters=parameters.filter_parameters(resource))  # fmt: skip
    if "create" in actions:
        created = _wrapped(_CREATED_UNDER.get(resource.path, resource.singular), record)
        add(base, "POST", "create", "201", created, requestBody=_body(f"{name}Create"))
    one = f"{base}/{{{parameters.item_name(resource)}}}"
    common.append(parameters.item_parameter(resource))
    if "get" in actions and resource.kind != EMBEDDED:
        add(one, "GET", "get", "200", item)
    if "update" in actions:
        add(one, "PUT", "update", "200", item, requestBody=_body(f"{name}Update"))
    if "delete" in actions and resource.kind != EMBEDDED:
        key = parameters.item_name(resource)
        gone = {"type": "object", "required": ["shop_no", key]}
        gone["properties"] = {"shop_no": {"const": 1}, key: {"type": ["integer", "string"]}}
        add(one, "DELETE", "delete", "200", _wrapped(resource.singular, gone))
    return operations


def tags() -> list[dict[str, str]]:
    seen = dict.fromkeys(resource.path.split("/")[0] for resource in RESOURCES.values())
    return [{"name": tag, "description": f"Admin API: {tag}"} for tag in seen]
