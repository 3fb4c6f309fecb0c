"""The JSON schemas of Admin API records and request bodies, generated from a resource's row.

A row of ``admin_api.resources.RESOURCES`` declares its fields (name, ``wire`` type, required,
read-only, embedded), its key (``Resource.number_field`` and ``key_kind``), its dates
(``Resource.dates``) and, for a sub-resource, its parent; these functions turn that into what
the server answers (``answers.to_json``, ``nested.child_json``) and what it accepts
(``schema.validate``): a field the server sets (``read_only``) is in an answer, never in a body.
"""

from __future__ import annotations

from typing import Any

from authserver.admin_api.resources import (
    DATETIME,
    EMBEDDED,
    FLAG,
    INT,
    INT_LIST,
    ITEMS,
    LIST,
    MAX_INT,
    MAX_NUMBER,
    MONEY,
    NUMBER,
    NUMBERED,
    OBJECT,
    RESOURCES,
    STR,
    STR_LIST,
    TEXT,
    Field,
    Resource,
)

DATE = {"type": "string", "format": "date-time"}
MONEY_TEXT = {"type": "string", "pattern": r"^[0-9]{1,16}\.[0-9]{2}$"}
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
    MONEY: MONEY_TEXT,
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
#: What a request may send beyond what an answer holds (wire.py: booleans, numbers as money).
_REQUEST_TYPES: dict[str, dict[str, Any]] = {
    FLAG: {"oneOf": [_TYPES[FLAG], {"type": "boolean"}]},
    MONEY: {
        "oneOf": [
            {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
            {"type": "number", "minimum": 0, "maximum": MAX_NUMBER},
        ]
    },
    DATETIME: {"type": "string", "format": "date-time"},
}
_REQUEST_TYPES[NUMBER] = _REQUEST_TYPES[MONEY]  # both: a decimal string or a JSON number
#: A key as a path writes it, other than a record number (scope_map's ``_KEY``).
KEY_TEXT = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"}


def name(resource: Resource) -> str:
    """The component name: ``orders/items`` -> ``OrdersItems``."""
    return "".join(part.title() for part in resource.path.replace("/", "_").split("_"))


def field_schema(f: Field, *, nullable: bool, request: bool = False) -> dict[str, Any]:
    schema = dict((request and _REQUEST_TYPES.get(f.type)) or _TYPES[f.type])
    if f.type == INT:
        schema["minimum"] = f.least
    if f.choices:
        schema["enum"] = list(f.choices)
    if request and f.aliases:
        schema = {"oneOf": [schema, {"type": "string", "enum": [sent for sent, _ in f.aliases]}]}
    if nullable:
        schema = {"oneOf": [schema, {"type": "null"}]}
    return schema


def numbered(resource: Resource) -> bool:
    """Its key is the record number; an embedded child's is a code (``P0000001000A``)."""
    return resource.key_kind == NUMBERED and resource.kind != EMBEDDED


def key_schema(resource: Resource) -> dict[str, Any]:
    """The key as an answer writes it (``product_no`` 12, ``order_id`` ``"20240131-0000012"``)."""
    return {"type": "integer", "minimum": 1} if numbered(resource) else {"type": "string"}


def key_parameter(resource: Resource) -> dict[str, Any]:
    """The key in a path: any number the path accepts (an unknown one is a 404), or a code."""
    schema = (
        {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
        if numbered(resource)
        else dict(KEY_TEXT)
    )
    return {"name": resource.number_field, "in": "path", "required": True, "schema": schema}


def record(resource: Resource, action: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The properties of a record as answered to ``action`` (any action: ``None``), and the
    keys a whole one has (``fields=`` may narrow it; an embedded field appears with ``embed=``
    only; a field Cafe24 leaves out of that action's answer, ``Field.omitted_in``, is not)."""
    key = resource.number_field
    properties: dict[str, Any] = {"shop_no": {"const": 1}} if resource.with_shop_no else {}
    properties[key] = key_schema(resource)
    # The key is always written, even where it is also a field (customersprivacy's member_id).
    properties.update(
        {
            f.name: _answered(resource, f)
            for f in resource.fields
            if f.name != key and action not in f.omitted_in
        }
    )
    if resource.kind == EMBEDDED:
        parent = RESOURCES[resource.parent or ""]
        properties[parent.number_field] = key_schema(parent)
    else:
        properties.update(dict.fromkeys(resource.dates, DATE))
    embedded = set(resource.embeds)
    return properties, [key for key in properties if key not in embedded]


def _answered(resource: Resource, f: Field) -> dict[str, Any]:
    """A field as answered; a list a sub-resource keeps in it (an order's ``items``, a
    product's ``variants``) holds that sub-resource's fields as well as the list's own."""
    for child in RESOURCES.values():
        if child.kind == EMBEDDED and child.parent == resource.path and child.key == f.name:
            entry = {g.name: field_schema(g, nullable=True) for g in child.fields}
            return {"oneOf": [{"type": "array", "items": _entry(entry)}, {"type": "null"}]}
    return field_schema(f, nullable=True)


def _entry(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def writable(resource: Resource) -> list[Field]:
    """The fields a request may send: all but those the server sets."""
    return [f for f in resource.fields if not f.read_only]


def request(resource: Resource, *, partial: bool) -> dict[str, Any]:
    """Cafe24's write body; ``request`` holds the fields (all required ones unless partial)."""
    fields = {
        f.name: field_schema(f, nullable=partial or not f.required, request=True)
        for f in writable(resource)
    }
    inner: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": fields}
    if partial:
        inner["minProperties"] = 1
    else:
        inner["required"] = [f.name for f in writable(resource) if f.required]
    return {
        "type": "object",
        "required": ["request"],
        "properties": {"shop_no": {"const": 1}, "request": inner},
    }


def bulk_request(resource: Resource, action: str) -> dict[str, Any]:
    """Cafe24's bulk form ``{"shop_no": 1, "requests": [...]}`` (``Resource.bulk``): each
    update names its record by key and changes at least one field; each create is a whole
    record's fields, as one ``request`` would be."""
    if action == "update":
        fields = {f.name: field_schema(f, nullable=True, request=True) for f in writable(resource)}
        one = {
            "type": "object",
            "required": [resource.number_field],
            "additionalProperties": False,
            "minProperties": 2,
            "properties": {resource.number_field: key_schema(resource), **fields},
        }
    else:
        one = request(resource, partial=False)["properties"]["request"]
    many = {"type": "array", "minItems": 1, "maxItems": resource.max_requests, "items": one}
    return {
        "type": "object",
        "required": ["requests"],
        "properties": {"shop_no": {"const": 1}, "requests": many},
    }


def echoed(resource: Resource) -> dict[str, Any]:
    """What a computed resource's create answers (``points``): ``shop_no`` and its fields."""
    properties: dict[str, Any] = {"shop_no": {"const": 1}}
    properties.update({f.name: field_schema(f, nullable=True) for f in resource.fields})
    required = ["shop_no", *(f.name for f in resource.fields if f.required)]
    return {"type": "object", "required": required, "properties": properties}
