"""Sub-resources and keyed items of the Admin API: a parent that must exist, children that are its.

Cafe24 nests some resources under a parent record: ``orders/{order_id}/items``,
``products/{product_no}/variants``, ``boards/{board_no}/articles``. A parent that does not exist is
Cafe24's 404, and a child is found only through its parent. Variants and articles are records of
their own in ``admin_records`` (resources ``products/variants`` and ``boards/articles``), each
holding its parent's number (``data.product_no``, ``data.board_no``) and deleted with it. An
order's items stay in the order's own ``items`` list, so this API, the order's ``items`` and the
sales report read one list. Records named by a field's value instead of a number
(``customersprivacy/{member_id}``, ``variants/{variant_code}``, ``items/{order_item_code}``) are
looked up by that value, in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from authserver.admin_api import records
from authserver.admin_api.records import AdminRecord
from authserver.admin_api.resources import (
    COLLECTION,
    RESOURCES,
    Invalid,
    Refused,
    Resource,
    product_refs,
    validate,
)
from authserver.admin_api.scope_map import Endpoint
from authserver.extensions import db

_DATA = AdminRecord.__table__.c.data
#: Cafe24 keeps at most this many items in one order.
MAX_ITEMS = 100


def _parent(resource: Resource) -> Resource:
    return RESOURCES[resource.parent or ""]


def check_parent(endpoint: Endpoint, mall_pk: int, *, entity: bool = False) -> Any:
    """The parent record the path names (``orders/3/items`` -> order 3), else Cafe24's 404."""
    parent = _parent(endpoint.resource)
    number = endpoint.parent or 0
    find = records.get_record if entity else records.read_record
    row = find(mall_pk, parent, None, number)
    if row is None:
        raise Refused(
            404,
            f"No {parent.singular} with {parent.number_field} {number}.",
            {parent.number_field: number},
        )
    return row


def gate(endpoint: Endpoint) -> tuple[Any, ...]:
    """The conditions that keep a sub-resource's list to its parent's records."""
    resource = endpoint.resource
    if resource.parent is None:
        return ()
    return (_DATA[_parent(resource).number_field].as_integer() == endpoint.parent,)


def find(endpoint: Endpoint, mall_pk: int, app_pk: int | None) -> AdminRecord:
    """The record the path names, by number or by its key field, within its parent; else 404."""
    resource = endpoint.resource
    if endpoint.key is None and resource.parent is None:
        row = records.get_record(mall_pk, resource, app_pk, endpoint.number or 0)
    else:
        where = [
            AdminRecord.mall_pk == mall_pk,
            AdminRecord.resource == resource.storage,
            *gate(endpoint),
        ]
        if resource.per_app:
            where.append(AdminRecord.app_pk == app_pk)
        if resource.key_field is not None:
            where.append(_DATA[resource.key_field].as_string() == endpoint.key)
        else:
            where.append(AdminRecord.record_no == (endpoint.number or 0))
        # A key field is unique only by convention (two customers may share a member_id): the
        # oldest record answers, as the list shows it first.
        row = db.session.scalars(select(AdminRecord).where(*where).order_by("record_no")).first()
    if row is None:
        name = resource.key_field or resource.number_field
        value = endpoint.key if resource.key_field else endpoint.number
        raise Refused(404, f"No {resource.singular} with {name} {value}.", {name: value})
    return row


def stamp(endpoint: Endpoint, client_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The server-set fields of a new record: its parent's number, the writing app's client."""
    resource = endpoint.resource
    if resource.parent is not None:
        data[_parent(resource).number_field] = endpoint.parent
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


# -- the records that come and go with their parent ----------------------------------------
def default_variant(product_no: int) -> dict[str, Any]:
    """The one variant Cafe24 gives a product without options (code: product + ``000A``)."""
    return {
        "product_no": product_no,
        "variant_code": f"P{product_no:07d}000A",
        "display": True,
        "selling": True,
        "additional_amount": 0,
        "quantity": 0,
        "use_inventory": False,
        "display_soldout": False,
    }


def after_create(resource: Resource, mall_pk: int, row: AdminRecord) -> None:
    """A new product gets its default variant, in the same transaction."""
    if resource.path == "products":
        records.create_record(
            mall_pk, RESOURCES["products/variants"], None, default_variant(row.record_no)
        )


def after_delete(resource: Resource, mall_pk: int, number: int) -> None:
    """A deleted parent takes its sub-resources' records with it."""
    for child in RESOURCES.values():
        if child.parent == resource.path and child.kind == COLLECTION:
            db.session.execute(
                delete(AdminRecord).where(
                    AdminRecord.mall_pk == mall_pk,
                    AdminRecord.resource == child.storage,
                    _DATA[resource.number_field].as_integer() == number,
                )
            )


# -- an order's items, kept in the order -----------------------------------------------------
def item_code(order: Any, index: int) -> str:
    """``<order key>-<NN>``, as Cafe24's ``order_item_code`` (``20190101-0000001-01``)."""
    key = (order.data or {}).get("order_id") or order.record_no
    return f"{key}-{index + 1:02d}"


def item_json(order: Any, index: int, item: dict[str, Any]) -> dict[str, Any]:
    resource = RESOURCES["orders/items"]
    body: dict[str, Any] = {"shop_no": records.SHOP_NO, "item_no": index + 1}
    body.update({f.name: item.get(f.name) for f in resource.fields})
    body["order_item_code"] = item_code(order, index)
    return body


def list_items(endpoint: Endpoint, mall_pk: int) -> list[dict[str, Any]]:
    order = check_parent(endpoint, mall_pk)
    return [item_json(order, i, item) for i, item in enumerate(order.data.get("items") or [])]


def create_item(endpoint: Endpoint, mall_pk: int, body: Any) -> dict[str, Any]:
    resource = endpoint.resource
    order = check_parent(endpoint, mall_pk, entity=True)
    data = validate(resource, body, partial=False)
    check_products(resource, mall_pk, data)
    items = list(order.data.get("items") or [])
    if len(items) >= MAX_ITEMS:
        raise Invalid("items", f"An order holds at most {MAX_ITEMS} items.")
    items.append({k: v for k, v in data.items() if v is not None})
    order.data = {**order.data, "items": items}  # a new dict: the JSON column sees the change
    return item_json(order, len(items) - 1, items[-1])


def update_item(endpoint: Endpoint, mall_pk: int, body: Any) -> dict[str, Any]:
    resource = endpoint.resource
    order = check_parent(endpoint, mall_pk, entity=True)
    data = validate(resource, body, partial=True)
    check_products(resource, mall_pk, data)
    items = list(order.data.get("items") or [])
    for index, item in enumerate(items):
        if item_code(order, index) == endpoint.key:
            items[index] = {**item, **data}
            order.data = {**order.data, "items": items}
            return item_json(order, index, items[index])
    raise Refused(
        404,
        f"No item with order_item_code {endpoint.key}.",
        {"order_item_code": endpoint.key},
    )
