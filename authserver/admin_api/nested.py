"""Sub-resources of the Admin API: a parent that must exist, children that are its own.

Cafe24 nests some resources under a parent record: ``orders/{order_id}/items``,
``products/{product_no}/variants``, ``boards/{board_no}/articles``. A parent that does not exist
is Cafe24's 404 naming it, and a child is found only through its parent.

- ``EMBEDDED`` children live in the parent's own JSON: an order's ``items`` and a product's
  ``variants`` are the lists the parent's ``embed=items``/``embed=variants`` show and the sales
  report reads, so there is one copy. An item's ``order_item_code`` is ``<order_id>-<NN>``
  (Cafe24's form); a variant's ``variant_code`` is stored with it (a new product gets its default
  variant ``P<product_no, 7 digits>000A``, as Cafe24 gives a product without options one).
- Articles are records of their own (resource ``boards/articles``) holding ``board_no``; their
  lists filter on it in the database, and a board's deletion takes them along.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, delete, select

from authserver.admin_api import keys, records, wire
from authserver.admin_api.answers import only
from authserver.admin_api.records import AdminRecord
from authserver.admin_api.resources import (
    COLLECTION,
    ITEM_NO,
    RESOURCES,
    Invalid,
    Refused,
    Resource,
    product_refs,
    validate,
)
from authserver.admin_api.schema import validate_each
from authserver.admin_api.scope_map import Endpoint
from authserver.extensions import db

#: Cafe24 keeps at most this many items in an order (and variants in a product here).
MAX_CHILDREN = 100


def _parent(resource: Resource) -> Resource:
    return RESOURCES[resource.parent or ""]


def check_parent(endpoint: Endpoint, mall_pk: int, *, entity: bool = False) -> Any:
    """The parent record the path names (``orders/<order_id>/items``), else Cafe24's 404."""
    parent = _parent(endpoint.resource)
    text = endpoint.parent or ""
    key = keys.read(parent, text)
    find = records.get_record if entity else records.read_record
    row = None if key is None else find(mall_pk, parent, None, key)
    if row is None:
        raise Refused(
            404,
            f"No {parent.singular} with {parent.number_field} {text}.",
            {parent.number_field: text},
        )
    return row


def parent_number(endpoint: Endpoint, mall_pk: int) -> int:
    return check_parent(endpoint, mall_pk).record_no


def gate(resource: Resource, number: int) -> tuple[Any, ...]:
    """The condition that keeps a child list to its parent's records (``data.board_no``)."""
    field = AdminRecord.data[_parent(resource).number_field].as_integer()
    return (cast(field, Integer) == number,)


def find(endpoint: Endpoint, mall_pk: int) -> AdminRecord:
    """A child record (an article) the path names, within its parent; else 404."""
    resource = endpoint.resource
    number = parent_number(endpoint, mall_pk)
    key = keys.read(resource, endpoint.key or "")
    row = None
    if key is not None and key.number is not None:
        row = db.session.scalars(
            select(AdminRecord).where(
                AdminRecord.mall_pk == mall_pk,
                AdminRecord.resource == resource.storage,
                AdminRecord.record_no == key.number,
                *gate(resource, number),
            )
        ).first()
    if row is None:
        name = resource.number_field
        raise Refused(
            404, f"No {resource.singular} with {name} {endpoint.key}.", {name: endpoint.key}
        )
    return row


def stamp(endpoint: Endpoint, mall_pk: int, client_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The server-set fields of a new record: its parent's number, the writing app's client."""
    resource = endpoint.resource
    if resource.parent is not None:
        data[_parent(resource).number_field] = parent_number(endpoint, mall_pk)
    if "client_id" in resource.by_name:
        data["client_id"] = client_id
    return data


def check_products(resource: Resource, mall_pk: int, data: dict[str, Any]) -> None:
    """Every product the data names exists in the mall, else a 422 naming the field."""
    refs = product_refs(resource, data)
    missing = records.missing_products(mall_pk, sorted(refs))
    if missing:
        where = refs[min(missing)]
        raise Invalid(where, f"{where}: there is no product {min(missing)} in this mall.")


def after_create(resource: Resource, row: AdminRecord) -> None:
    """A new product gets its default variant (in its ``variants``), as at Cafe24."""
    if resource.path == "products" and not row.data.get("variants"):
        records.set_data(row, resource, {**row.data, "variants": [default_variant(row.record_no)]})


def default_variant(product_no: int) -> dict[str, Any]:
    return {
        "variant_code": f"P{product_no:07d}000A",
        "display": "T",
        "selling": "T",
        "additional_amount": "0.00",
        "quantity": 0,
        "use_inventory": "F",
        "display_soldout": "F",
    }


def after_delete(resource: Resource, mall_pk: int, number: int) -> None:
    """A deleted parent takes its child records with it (embedded children go with its JSON)."""
    for child in RESOURCES.values():
        if child.parent == resource.path and child.kind == COLLECTION:
            db.session.execute(
                delete(AdminRecord).where(
                    AdminRecord.mall_pk == mall_pk,
                    AdminRecord.resource == child.storage,
                    *gate(child, number),
                )
            )


# -- children kept in the parent's JSON ------------------------------------------------------
def _code(resource: Resource, parent: Any, index: int, child: dict[str, Any]) -> str:
    if resource.path == "orders/items":
        order_id = keys.write(
            _parent(resource), parent.record_no, parent.created_date, records.time_zone()
        )
        return f"{order_id}-{index + 1:02d}"
    return child.get(resource.number_field) or ""


def child_json(
    resource: Resource, parent: Any, index: int, child: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"shop_no": records.SHOP_NO}
    if resource.path in ITEM_NO:
        body[ITEM_NO[resource.path]] = index + 1
    body[resource.number_field] = _code(resource, parent, index, child)
    body.update(
        {
            f.name: wire.answer(f, child.get(f.name))
            for f in resource.fields
            if f.name != resource.number_field
        }
    )
    parent_resource = _parent(resource)
    body[parent_resource.number_field] = keys.write(
        parent_resource, parent.record_no, parent.created_date, records.time_zone(), parent.data
    )
    return body


def _children(resource: Resource, parent: Any) -> list[dict[str, Any]]:
    return list(parent.data.get(resource.key) or [])


def list_children(
    endpoint: Endpoint, mall_pk: int, fields: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """Every child of the parent the path names, each with only ``fields`` when given."""
    resource = endpoint.resource
    parent = check_parent(endpoint, mall_pk)
    children = enumerate(_children(resource, parent))
    return [only(child_json(resource, parent, i, c), fields) for i, c in children]


def _index(endpoint: Endpoint, parent: Any) -> int:
    resource = endpoint.resource
    for index, child in enumerate(_children(resource, parent)):
        if _code(resource, parent, index, child) == endpoint.key:
            return index
    name = resource.number_field
    raise Refused(404, f"No {resource.singular} with {name} {endpoint.key}.", {name: endpoint.key})


def get_child(
    endpoint: Endpoint, mall_pk: int, fields: frozenset[str] | None = None
) -> dict[str, Any]:
    parent = check_parent(endpoint, mall_pk)
    index = _index(endpoint, parent)
    child = _children(endpoint.resource, parent)[index]
    return only(child_json(endpoint.resource, parent, index, child), fields)


def create_child(endpoint: Endpoint, mall_pk: int, body: Any) -> dict[str, Any]:
    resource = endpoint.resource
    parent = check_parent(endpoint, mall_pk, entity=True)
    data = validate(resource, body, partial=False)
    check_products(resource, mall_pk, data)
    children = _children(resource, parent)
    if len(children) >= MAX_CHILDREN:
        raise Invalid(
            resource.key,
            f"A {_parent(resource).singular} holds at most {MAX_CHILDREN} {resource.key}.",
        )
    children.append({k: v for k, v in data.items() if v is not None})
    records.set_data(parent, _parent(resource), {**parent.data, resource.key: children})
    return child_json(resource, parent, len(children) - 1, children[-1])


def update_child(endpoint: Endpoint, mall_pk: int, body: Any) -> dict[str, Any]:
    resource = endpoint.resource
    parent = check_parent(endpoint, mall_pk, entity=True)
    index = _index(endpoint, parent)
    data = validate(resource, body, partial=True)
    check_products(resource, mall_pk, data)
    children = _children(resource, parent)
    children[index] = {**children[index], **data}
    records.set_data(parent, _parent(resource), {**parent.data, resource.key: children})
    return child_json(resource, parent, index, children[index])


def update_children(endpoint: Endpoint, mall_pk: int, requests: list[Any]) -> list[dict[str, Any]]:
    """Cafe24's bulk ``PUT`` of a parent's children (``products/{product_no}/variants``): each
    of ``requests`` names one by its key; all are checked before the parent is written."""
    resource = endpoint.resource
    parent = check_parent(endpoint, mall_pk, entity=True)
    children = _children(resource, parent)
    changed = []
    for index, item in enumerate(requests):
        data = validate_each(resource, index, item, partial=True, keyed=True)
        named = Endpoint(resource, "update", endpoint.scope, str(item[resource.number_field]))
        at = _index(named, parent)
        children[at] = {**children[at], **data}
        changed.append(at)
    records.set_data(parent, _parent(resource), {**parent.data, resource.key: children})
    return [child_json(resource, parent, at, children[at]) for at in changed]


def delete_child(endpoint: Endpoint, mall_pk: int) -> dict[str, Any]:
    resource = endpoint.resource
    parent = check_parent(endpoint, mall_pk, entity=True)
    index = _index(endpoint, parent)
    children = _children(resource, parent)
    del children[index]
    records.set_data(parent, _parent(resource), {**parent.data, resource.key: children})
    return {"shop_no": records.SHOP_NO, resource.number_field: endpoint.key}
