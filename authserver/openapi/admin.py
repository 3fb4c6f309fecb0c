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
    EMBEDDED,
    RESOURCES,
    SINGLETON,
    Resource,
    url_path,
)
from authserver.openapi import parameters, shapes
from authserver.openapi.computed import ENTRIES
from authserver.openapi.oauth import MALL_ID

BASE = "/malls/{mall_id}/api/v2/admin"
_ERRORS = {
    "400": ("BadRequest", "Malformed JSON or Content-Type; nothing written"),
    "401": ("Unauthorized", "No, or no valid, access token"),
    "404": ("NotFound", "No such API, no such record (or parent), or the scope is missing"),
    "422": ("Unprocessable", "A field is missing or invalid (more_info.field); nothing written"),
    "429": ("TooManyRequests", "The call limit of this app on this mall is used up"),
    "503": ("Unavailable", "The database could not be reached"),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _record(resource: Resource) -> dict[str, Any]:
    """A record as the API shows it: ``to_json``'s keys, or a computed answer's (``computed``).
    No key is required here: ``fields=`` narrows a record to the keys it names."""
    if resource.path in ENTRIES:
        return ENTRIES[resource.path]
    fields = {f.name: shapes.field_schema(f, nullable=True) for f in resource.fields}
    if resource.kind == APP_OBJECT:
        return {"type": "object", "required": list(fields), "properties": fields}
    if resource.kind == SINGLETON:
        properties = {"shop_no": {"const": 1}, "mall_id": {"type": "string"}, **fields}
        properties["shop_name"] = {"type": "string"}
        required = list(properties)
        properties["updated_date"] = shapes.DATE
        return {"type": "object", "required": required, "properties": properties}
    properties, _ = shapes.record(resource)
    return {
        "type": "object",
        "description": f"A {resource.singular}: these keys, or those `fields` names.",
        "properties": properties,
    }


def _whole(resource: Resource, action: str = "get") -> dict[str, Any]:
    """A record with every key it always has in the answer to ``action``: what a read without
    ``fields`` and a write answer."""
    name = shapes.name(resource)
    if resource.path in ENTRIES or resource.kind in (SINGLETON, APP_OBJECT):
        return _ref(name)
    return {"allOf": [_ref(name), {"required": shapes.record(resource, action)[1]}]}


def _created(resource: Resource) -> dict[str, Any]:
    """A create's answer: the whole record, or the keys Cafe24 answers alone (sms's
    ``queue_code``, ``Resource.create_answer``); a computed resource's echo (``points``)."""
    name = shapes.name(resource)
    if resource.path in ENTRIES:
        return _ref(f"{name}Created")
    if resource.create_answer is None:
        return _whole(resource, "create")
    shown = sorted(resource.create_answer)
    properties = shapes.record(resource, "create")[0]
    return {
        "type": "object",
        "required": shown,
        "properties": {key: properties[key] for key in shown},
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
        name = shapes.name(resource)
        result[name] = _record(resource)
        if "create" in resource.actions:
            result[f"{name}Create"] = shapes.request(resource, partial=False)
            if resource.path in ENTRIES:
                result[f"{name}Created"] = shapes.echoed(resource)
        if "update" in resource.actions:
            result[f"{name}Update"] = shapes.request(resource, partial=True)
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


def _notes(resource: Resource, action: str) -> str:
    """What the row says about where its records are (``per_app``, ``stored_as``, ``parent``)
    and, for a list or count, the filters Cafe24 requires."""
    notes = []
    if resource.per_app:
        notes.append(f"Each app sees and changes only its own {resource.key}.")
    if resource.stored_as:
        notes.append(f"The records of `{resource.stored_as}`, shown as {resource.key}.")
    if resource.parent:
        parent = RESOURCES[resource.parent]
        notes.append(
            f"The {resource.key} of one {parent.singular}; a `{parent.number_field}` that names "
            f"no {parent.singular} is a 404 naming it."
        )
        if resource.kind == EMBEDDED:
            notes.append(
                f"Kept in the {parent.singular}'s own `{resource.key}` "
                f"(`{parent.path}?embed={resource.key}`)."
            )
    required = [f"`{f.name}`" for f in resource.filters if f.required]
    if required and action in ("list", "count"):
        notes.append(f"It needs {' and '.join(required)}: without one, a 422 naming it.")
    return " ".join(notes)


def _operation(
    resource: Resource, method: str, action: str, status: str, schema: dict, **extra: Any
) -> dict[str, Any]:
    scope = SCOPE_MAP[(method, resource.path)]
    errors = ["401", "404", "429", "503"]
    if method in ("POST", "PUT") or "parameters" in extra:
        errors += ["422"]  # a bad field, or a known query parameter with a bad value
    if method in ("POST", "PUT"):
        errors += ["400"]
    description = f"Needs the scope `{scope}`; without it: 404 Permission unauthorized."
    return {
        "tags": [resource.path.split("/")[0]],
        "operationId": f"{action}_{resource.path.replace('/', '_')}",
        "summary": f"{action} {url_path(resource)} (needs {scope})",
        "description": f"{description} {_notes(resource, action)}".strip(),
        "security": [{"bearer": []}],
        "x-required-scope": scope,
        "responses": {
            status: _answer(status, action, schema),
            **{code: _answer(code, _ERRORS[code][1], _ref("ApiError")) for code in errors},
        },
        **extra,
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def paths() -> dict[str, Any]:
    result: dict[str, Any] = {}
    for resource in RESOURCES.values():
        _resource_paths(result, resource)
    return result


def _keyed(key: str, schema: dict[str, Any], *, many: bool = False) -> dict[str, Any]:
    """Cafe24's answer: ``{<key>: <schema>}``, or ``{<key>: [<schema>...]}`` when ``many``."""
    inner = {"type": "array", "items": schema} if many else schema
    return {"type": "object", "required": [key], "properties": {key: inner}}


def _resource_paths(result: dict[str, Any], resource: Resource) -> None:
    """The operations of the actions the resource offers (``Resource.actions``), at its URL
    (a sub-resource's names its parent's key: ``orders/{order_id}/items``)."""
    name, base, actions = shapes.name(resource), f"{BASE}/{url_path(resource)}", resource.actions
    stored = resource.kind == COLLECTION and resource.path not in ENTRIES  # to_json's records
    # Records fields= narrows: to_json's and an embedded child's (nested.child_json).
    narrowed = stored or resource.kind == EMBEDDED
    whole = _keyed(resource.singular, _whole(resource))
    update = {"requestBody": _body(_ref(f"{name}Update"))}
    at_base = [MALL_ID, *parameters.parent_parameters(resource)]
    operations: dict[str, Any] = {}
    if resource.kind in (SINGLETON, APP_OBJECT):
        if "get" in actions:
            operations["get"] = _operation(resource, "GET", "get", "200", whole)
        if "update" in actions:
            operations["put"] = _operation(resource, "PUT", "update", "200", whole, **update)
    else:
        if "list" in actions:
            query = parameters.filter_parameters(resource)
            if resource.kind != EMBEDDED:  # an embedded list is all of the parent's, unpaged
                query = parameters.page_parameters(resource) + query
            if narrowed:
                query += parameters.read_parameters(resource)
            listed = _keyed(resource.key, _ref(name) if narrowed else _whole(resource), many=True)
            operations["get"] = _operation(resource, "GET", "list", "200", listed, parameters=query)
        if "create" in resource.bulk:  # one ``request`` or several; a list answers either
            body = {"oneOf": [_ref(f"{name}Create"), shapes.bulk_request(resource, "create")]}
            made = _keyed(resource.key, _created(resource), many=True)
            operations["post"] = _operation(
                resource, "POST", "create", "201", made, requestBody=_body(body)
            )
        elif "create" in actions:
            operations["post"] = _operation(
                resource,
                "POST",
                "create",
                "201",
                _keyed(resource.singular, _created(resource)),
                requestBody=_body(_ref(f"{name}Create")),
            )
        if "update" in resource.bulk:
            operations["put"] = _operation(
                resource,
                "PUT",
                "bulk_update",
                "200",
                _keyed(resource.key, _whole(resource, "update"), many=True),
                requestBody=_body(shapes.bulk_request(resource, "update")),
            )
    if operations:
        result[base] = {"parameters": at_base, **operations}
    if resource.kind not in (COLLECTION, EMBEDDED):
        return
    if "count" in actions:
        count = _keyed("count", {"type": "integer", "minimum": 0})
        counted = _operation(
            resource,
            "GET",
            "count",
            "200",
            count,
            parameters=parameters.filter_parameters(resource),
        )
        result[f"{base}/count"] = {"parameters": at_base, "get": counted}
    deleted = {
        "type": "object",
        "required": ["shop_no", resource.number_field],
        "properties": {
            "shop_no": {"const": 1},
            resource.number_field: shapes.key_schema(resource),
        },
    }
    by_key: dict[str, Any] = {}
    if "get" in actions:
        if narrowed:
            read = {"parameters": parameters.read_parameters(resource)}
            by_key["get"] = _operation(
                resource, "GET", "get", "200", _keyed(resource.singular, _ref(name)), **read
            )
        else:
            by_key["get"] = _operation(resource, "GET", "get", "200", whole)
    if "update" in actions:
        changed = _keyed(resource.singular, _whole(resource, "update"))
        by_key["put"] = _operation(resource, "PUT", "update", "200", changed, **update)
    if "delete" in actions:
        gone = _keyed(resource.singular, deleted)
        by_key["delete"] = _operation(resource, "DELETE", "delete", "200", gone)
    if by_key:
        item = [*at_base, shapes.key_parameter(resource)]
        result[f"{base}/{{{resource.number_field}}}"] = {"parameters": item, **by_key}


def tags() -> list[dict[str, str]]:
    seen = dict.fromkeys(resource.path.split("/")[0] for resource in RESOURCES.values())
    return [{"name": tag, "description": f"Admin API: {tag}"} for tag in seen]
