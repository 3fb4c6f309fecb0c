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
#: A list kept inside its parent record's JSON (an order's ``items``), not as records of its own.
EMBEDDED = "embedded"

#: The actions of a collection; a row lists fewer where Cafe24 documents fewer methods.
ALL_ACTIONS = frozenset({"list", "count", "get", "create", "update", "delete"})
READ_ONLY = frozenset({"list", "count", "get"})

STR = "str"
TEXT = "text"
INT = "int"
INT_LIST = "int_list"
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
    #: Set by the server (``client_id`` of a script tag): shown, refused in a request.
    read_only: bool = False


@dataclass(frozen=True)
class Resource:
    path: str
    singular: str
    kind: str = COLLECTION
    fields: tuple[Field, ...] = ()
    #: ``apps``: each app sees and writes only its own records on the mall (DESIGN.md).
    per_app: bool = False
    #: What Cafe24 documents for the resource; any other call is no API.
    actions: frozenset[str] = ALL_ACTIONS
    #: A sub-resource's parent (``orders`` for ``orders/items``): its URL is
    #: ``<parent>/{parent key}/<key>`` and each of its records belongs to one parent record.
    parent: str | None = None
    #: The record number's name when it is not ``<singular>_no`` (``script_no``, ``group_no``).
    number_name: str | None = None
    #: Records kept under another resource (``customersprivacy`` shows and edits ``customers``).
    stored_as: str | None = None
    #: The item in the URL is this field's value (``member_id``, ``variant_code``), not a number.
    key_field: str | None = None
    #: The names its creation and last change dates are shown under (activity logs: one).
    dates: tuple[str, ...] = ("created_date", "updated_date")
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def key(self) -> str:
        """The collection key, the last path segment: ``reports/salesvolume`` -> ``salesvolume``."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def number_field(self) -> str:
        return self.number_name or f"{self.singular}_no"

    @property
    def storage(self) -> str:
        """The ``resource`` its records are stored under in ``admin_records``."""
        return self.stored_as or self.path


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
        # Issue 18, point 5: the resources Cafe24 apps call most (docs/admin-api.md).
        Resource(
            "scripttags",
            "scripttag",
            fields=(
                F("client_id", read_only=True),
                F("src", required=True),
                F("display_location", STR_LIST, required=True),
                F("exclude_path", STR_LIST),
                F("skin_no", INT_LIST),
                F("integrity"),
            ),
            per_app=True,
            number_name="script_no",
        ),
        Resource(
            "customersprivacy",
            "customersprivacy",
            fields=(
                F("member_id", read_only=True),
                F("name"),
                F("name_english"),
                F("phone"),
                F("cellphone"),
                F("email"),
                F("sms", BOOL),
                F("news_mail", BOOL),
                F("thirdparty_agree", BOOL),
                F("birthday"),
                F("gender"),
                F("zipcode"),
                F("address1"),
                F("address2"),
                F("group_no", INT),
            ),
            actions=frozenset({"list", "count", "get", "update"}),
            stored_as="customers",
            key_field="member_id",
        ),
        Resource(
            "customergroups",
            "customergroup",
            fields=(
                F("group_name", required=True),
                F("group_description"),
                F("benefits_paymethod"),
                F("buy_benefits"),
                F("ship_benefits", BOOL),
            ),
            actions=READ_ONLY,
            number_name="group_no",
        ),
        Resource(
            "points",
            "point",
            fields=(
                F("member_id", required=True),
                F("order_id"),
                F("amount", NUMBER, required=True),
                F("type", required=True),
                F("reason"),
            ),
            actions=frozenset({"list", "create"}),
        ),
        Resource("dashboard", "dashboard", REPORT),
        Resource(
            "activitylogs",
            "activitylog",
            fields=(
                F("mode", read_only=True),
                F("type", read_only=True),
                F("content", read_only=True),
                F("manager_id", read_only=True),
                F("manager_type", read_only=True),
            ),
            actions=frozenset({"list", "get"}),
            number_name="process_no",
            dates=("process_date",),
        ),
        Resource(
            "products/variants",
            "variant",
            fields=(
                F("product_no", INT, read_only=True),
                F("variant_code", read_only=True),
                F("custom_variant_code"),
                F("display", BOOL),
                F("selling", BOOL),
                F("additional_amount", NUMBER),
                F("quantity", INT),
                F("use_inventory", BOOL),
                F("display_soldout", BOOL),
                F("safety_inventory", INT),
            ),
            actions=frozenset({"list", "get", "update", "delete"}),
            parent="products",
            key_field="variant_code",
        ),
        Resource(
            "orders/items",
            "item",
            EMBEDDED,
            fields=(
                F("order_item_code", read_only=True),
                F("product_no", INT, required=True, ref="products"),
                F("quantity", INT, required=True),
                F("order_status"),
                F("claim_type"),
                F("claim_status"),
                F("claim_reason_type"),
                F("claim_reason", TEXT),
                F("claim_quantity", INT),
            ),
            actions=frozenset({"list", "create", "update"}),
            parent="orders",
            key_field="order_item_code",
        ),
        Resource(
            "boards/articles",
            "article",
            fields=(
                F("board_no", INT, read_only=True),
                F("writer", required=True),
                F("title", required=True),
                F("content", TEXT, required=True),
                F("client_ip", required=True),
                F("member_id"),
                F("writer_email"),
                F("product_no", INT),
                F("rating", INT),
                F("display", BOOL),
                F("secret", BOOL),
                F("notice", BOOL),
                F("fixed", BOOL),
                F("reply_status"),
            ),
            actions=frozenset({"list", "create", "update", "delete"}),
            parent="boards",
        ),
    )
}

_catalogue = set(scopes.CATEGORY_OF_RESOURCE)
if set(RESOURCES) != _catalogue:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(
        f"admin_api.RESOURCES and scopes.CATEGORIES differ: {_catalogue ^ set(RESOURCES)}"
    )


class Refused(Exception):
    """An answer other than success, raised by an action: status, message, ``more_info``."""

    def __init__(self, status: int, message: str, more_info: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.more_info = status, message, more_info


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
        if resource.by_name[name].read_only:
            raise Invalid(name, f"{name} is set by the server.")
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
    if f.type == INT_LIST:
        if not isinstance(value, list) or not value or len(value) > _MAX_LIST:
            raise Invalid(f.name, f"{f.name} must be a list of 1 to {_MAX_LIST} integers.")
        return [_integer(f"{f.name}[{i}]", item, minimum=1) for i, item in enumerate(value)]
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
