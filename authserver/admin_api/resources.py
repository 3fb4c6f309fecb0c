"""The Admin API's resources in one declarative table: path, record key, kind and fields.

Each row names a resource of the scope catalogue (``scopes.CATEGORIES``; the module refuses to
load when the two disagree), the singular used for the item key and ``<singular>_no``, its
kind (a collection, the one ``store`` object, or a read-only report) and its fields with
Cafe24's names, simple types and which are required on create. ``validate`` turns a request
object into the data to store, or names the first bad field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authserver import scopes

COLLECTION = "collection"
SINGLETON = "singleton"
REPORT = "report"

STR = "str"
TEXT = "text"
INT = "int"
NUMBER = "number"
BOOL = "bool"
STR_LIST = "str_list"
ITEMS = "items"

#: Integers stay within what every JSON client and a 32-bit column can hold.
MAX_INT = 2**31 - 1
#: Prices and amounts: beyond this a JSON number loses cents in a double.
MAX_NUMBER = 10**15
_MAX_LENGTH = {STR: 255, TEXT: 5000}
_MAX_LIST = 100


@dataclass(frozen=True)
class Field:
    name: str
    type: str = STR
    required: bool = False
    #: ``"products"``: an integer that must be the ``product_no`` of an existing product.
    ref: str | None = None


@dataclass(frozen=True)
class Resource:
    path: str
    singular: str
    kind: str = COLLECTION
    fields: tuple[Field, ...] = ()
    #: ``apps``: each app sees and writes only its own records on the mall (DESIGN.md).
    per_app: bool = False
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def key(self) -> str:
        """The collection key, the last path segment: ``reports/salesvolume`` -> ``salesvolume``."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def number_field(self) -> str:
        return f"{self.singular}_no"


F = Field
RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        Resource(
            "categories",
            "category",
            fields=(
                F("category_name", required=True),
                F("parent_category_no", INT),
                F("display_type"),
            ),
        ),
        Resource(
            "products",
            "product",
            fields=(
                F("product_name", required=True),
                F("price", NUMBER, required=True),
                F("supply_price", NUMBER),
                F("product_code"),
                F("display", BOOL),
                F("selling", BOOL),
                F("summary_description", TEXT),
            ),
        ),
        Resource("brands", "brand", fields=(F("brand_name", required=True), F("use_brand", BOOL))),
        Resource(
            "suppliers",
            "supplier",
            fields=(
                F("supplier_name", required=True),
                F("manager_name"),
                F("phone"),
                F("commission", NUMBER),
            ),
        ),
        Resource(
            "carts",
            "cart",
            fields=(
                F("member_id", required=True),
                F("product_no", INT, required=True, ref="products"),
                F("quantity", INT, required=True),
            ),
        ),
        Resource(
            "orders",
            "order",
            fields=(
                F("member_id", required=True),
                F("items", ITEMS, required=True),
                F("buyer_name"),
                F("payment_method"),
                F("order_status"),
            ),
        ),
        Resource(
            "boards",
            "board",
            fields=(F("board_name", required=True), F("board_type"), F("use_board", BOOL)),
        ),
        Resource(
            "customers",
            "customer",
            fields=(
                F("member_id", required=True),
                F("name"),
                F("email"),
                F("cellphone"),
                F("group_no", INT),
            ),
        ),
        Resource(
            "sms",
            "sms",
            fields=(
                F("sender_no", INT, required=True),
                F("content", TEXT, required=True),
                F("recipients", STR_LIST, required=True),
                F("type"),
            ),
        ),
        Resource(
            "store",
            "store",
            SINGLETON,
            fields=(
                F("shop_name"),
                F("company_name"),
                F("president_name"),
                F("email"),
                F("phone"),
                F("address"),
            ),
        ),
        Resource(
            "coupons",
            "coupon",
            fields=(
                F("coupon_name", required=True),
                F("benefit_type"),
                F("benefit_amount", NUMBER),
                F("benefit_percentage", NUMBER),
                F("available_end_datetime"),
            ),
        ),
        Resource(
            "themes",
            "theme",
            fields=(F("skin_name", required=True), F("skin_code"), F("language_code")),
        ),
        Resource(
            "apps",
            "app",
            fields=(F("version", required=True), F("extension_type"), F("description", TEXT)),
            per_app=True,
        ),
        Resource("reports/salesvolume", "salesvolume", REPORT),
    )
}

_catalogue = {category.resource for category in scopes.CATEGORIES}
if set(RESOURCES) != _catalogue:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(
        f"admin_api.RESOURCES and scopes.CATEGORIES differ: {_catalogue ^ set(RESOURCES)}"
    )


class Invalid(ValueError):
    """A request the API answers with 422; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def validate(resource: Resource, values: Any, *, partial: bool) -> dict[str, Any]:
    """The fields to store from a request object; every required one unless ``partial``.

    Unknown and server-assigned fields are refused by name rather than dropped silently.
    """
    if not isinstance(values, dict):
        raise Invalid("request", "request must be a JSON object of fields.")
    for name in values:
        if name not in resource.by_name:
            raise Invalid(name, f"{name} is not a field of {resource.singular}.")
    if not partial:
        for f in resource.fields:
            if f.required and f.name not in values:
                raise Invalid(f.name, f"{f.name} is required.")
    elif not values:
        raise Invalid("request", "request must contain at least one field.")
    return {name: _check(resource.by_name[name], value) for name, value in values.items()}


def _check(f: Field, value: Any) -> Any:
    if value is None:
        if f.required:
            raise Invalid(f.name, f"{f.name} is required.")
        return None
    if f.type in (STR, TEXT):
        return _string(f.name, value, _MAX_LENGTH[f.type])
    if f.type == INT:
        return _integer(f.name, value, minimum=1 if f.ref else 0)
    if f.type == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f.name, f"{f.name} must be a number.")
        # An int is compared exactly: math.isfinite would overflow converting 10**400 to a float.
        if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_NUMBER:
            raise Invalid(f.name, f"{f.name} is out of range.")
        if value < 0:
            raise Invalid(f.name, f"{f.name} must not be negative.")
        return value
    if f.type == BOOL:
        if not isinstance(value, bool):
            raise Invalid(f.name, f"{f.name} must be true or false.")
        return value
    if f.type == STR_LIST:
        if not isinstance(value, list) or not value or len(value) > _MAX_LIST:
            raise Invalid(f.name, f"{f.name} must be a list of 1 to {_MAX_LIST} strings.")
        return [_string(f"{f.name}[{i}]", item, _MAX_LENGTH[STR]) for i, item in enumerate(value)]
    if f.type == ITEMS:
        return _items(f.name, value)
    raise AssertionError(f.type)  # pragma: no cover


def _string(name: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be a string.")
    if len(value) > max_length:
        raise Invalid(name, f"{name} must be at most {max_length} characters.")
    if "\x00" in value:
        raise Invalid(name, f"{name} must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(name, f"{name} is not valid Unicode.") from None
    return value


def _integer(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(name, f"{name} must be an integer.")
    if not minimum <= value <= MAX_INT:
        raise Invalid(name, f"{name} must be an integer from {minimum} to {MAX_INT}.")
    return value


def _items(name: str, value: Any) -> list[dict[str, int]]:
    if not isinstance(value, list) or not value or len(value) > _MAX_LIST:
        raise Invalid(name, f"{name} must be a list of 1 to {_MAX_LIST} items.")
    items = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(item, dict) or set(item) != {"product_no", "quantity"}:
            raise Invalid(where, f"{where} must be an object with product_no and quantity.")
        items.append(
            {
                "product_no": _integer(f"{where}.product_no", item["product_no"], minimum=1),
                "quantity": _integer(f"{where}.quantity", item["quantity"], minimum=1),
            }
        )
    return items


def product_refs(resource: Resource, data: Mapping[str, Any]) -> dict[int, str]:
    """Every product number the data refers to, with the field naming it (for the 422)."""
    refs: dict[int, str] = {}
    for f in resource.fields:
        value = data.get(f.name)
        if value is None:
            continue
        if f.ref == "products":
            refs.setdefault(value, f.name)
        elif f.type == ITEMS:
            for index, item in enumerate(value):
                refs.setdefault(item["product_no"], f"{f.name}[{index}].product_no")
    return refs
