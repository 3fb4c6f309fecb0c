"""The Admin API's resources in one declarative table: what Cafe24 documents for each.

Each row names a resource of the scope catalogue (``scopes.CATEGORIES``; the module refuses to
load when the two disagree) and declares, as Cafe24's reference (cafe24_chapters/<resource>.md)
documents it: the singular of its item key; its kind (a collection, one object, one object per
app, a read-only report); its key (``product_no``, ``order_id``, ``brand_code``, ``member_id``...);
the actions its methods allow; its fields with Cafe24's names and types (``wire``); the list and
count filters it honours (``filters``); its ``limit``/``offset`` bounds; and which writes take
Cafe24's bulk form. A new resource is one row here (plus its scope category); ``validate``
turns a request object into the data to store, or names the first bad field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authserver import scopes
from authserver.admin_api.wire import (
    DATETIME,
    FLAG,
    INT,
    INT_LIST,
    ITEMS,
    LIST,
    MAX_INT,
    MAX_NUMBER,
    MONEY,
    NUMBER,
    OBJECT,
    STR,
    STR_LIST,
    TEXT,
    Field,
    Invalid,
    check,
)

__all__ = [
    "DATETIME", "FLAG", "INT", "INT_LIST", "ITEMS", "LIST", "MAX_INT", "MAX_NUMBER", "MONEY",
    "NUMBER", "OBJECT", "STR", "STR_LIST", "TEXT", "Field", "Filter", "Invalid", "Refused",
    "Resource",
    "RESOURCES", "product_refs", "validate",
]  # fmt: skip

COLLECTION = "collection"
SINGLETON = "singleton"
#: One object per (mall, app): ``apps`` describes the calling app (Cafe24's apps.md).
APP_OBJECT = "app_object"
REPORT = "report"
#: A list kept inside its parent record's JSON (an order's ``items``, a product's ``variants``):
#: the parent's embed and the sub-resource read and write one list.
EMBEDDED = "embedded"

#: How an item is named in its path and its answers (``Resource.key_kind``).
NUMBERED = "numbered"  # the record number itself: product_no, skin_no, ...
CODE = "code"  # a letter and 7 base-36 digits of the number: brand_code B0000001
ORDER_ID = "order_id"  # YYYYMMDD-NNNNNNN: the creation day in the mall's zone and the number
LOOKUP = "lookup"  # a field of the record, kept in the indexed ``lookup`` column: member_id

LIST_ACTIONS = frozenset({"list", "count"})
ALL_ACTIONS = frozenset({"list", "count", "get", "create", "update", "delete"})
READ_ACTIONS = frozenset({"list", "count", "get"})


class Refused(Exception):
    """An answer other than success, raised by an action: status, message, ``more_info``."""

    def __init__(self, status: int, message: str, more_info: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.more_info = status, message, more_info


@dataclass(frozen=True)
class Filter:
    """A list/count query parameter: ``name``, its ``kind`` (``filters.KINDS``) and the field or
    column it reads (default: the parameter's name)."""

    name: str
    kind: str
    field: str | None = None
    #: Cafe24 requires it (``start_date`` of activity logs and points): absent is a 422.
    required: bool = False

    @property
    def target(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Resource:
    path: str
    singular: str
    kind: str = COLLECTION
    fields: tuple[Field, ...] = ()
    #: ``apps``: each app sees and writes only its own object on the mall.
    per_app: bool = False
    #: The answers' and the path's key: ``None`` is ``<singular>_no``.
    key_name: str | None = None
    key_kind: str = NUMBERED
    #: ``CODE`` keys: the letter before the digits (``B`` for brands).
    code_prefix: str = ""
    #: The field copied into the indexed ``lookup`` column (``member_id``): a ``LOOKUP`` key
    #: and the ``member_id`` filter read it there.
    lookup: str | None = None
    #: The actions Cafe24 documents; any other method answers 404 "Cannot locate API.".
    actions: frozenset[str] = ALL_ACTIONS
    filters: tuple[Filter, ...] = ()
    default_limit: int = 10
    max_limit: int = 100
    max_offset: int = MAX_INT
    #: Actions that also take Cafe24's bulk body ``{"shop_no": 1, "requests": [...]}``.
    bulk: frozenset[str] = frozenset()
    #: A sub-resource's parent (``orders`` for ``orders/items``): its URL is
    #: ``<parent>/{parent key}/<last segment>`` and each of its records belongs to one parent.
    parent: str | None = None
    #: Records kept under another resource (``customersprivacy`` shows and edits ``customers``).
    stored_as: str | None = None
    #: The names its creation and last change dates are shown under (an activity log: one).
    dates: tuple[str, ...] = ("created_date", "updated_date")
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)
    by_filter: Mapping[str, Filter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "by_filter", {f.name: f for f in self.filters})

    @property
    def key(self) -> str:
        """The collection key, the last path segment: ``reports/salesvolume`` -> ``salesvolume``."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def number_field(self) -> str:
        """The item's key in answers and paths: ``product_no``, ``order_id``, ``brand_code``."""
        return self.key_name or f"{self.singular}_no"

    @property
    def storage(self) -> str:
        """The ``resource`` its records are stored under in ``admin_records``."""
        return self.stored_as or self.path

    @property
    def embeds(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.embedded)


F = Field
#: Filters every collection's list and count takes (Cafe24 documents ``shop_no`` on each).
_COMMON = (Filter("shop_no", "shop"),)
_CREATED = (
    Filter("created_start_date", "date_from", "created_date"),
    Filter("created_end_date", "date_to", "created_date"),
)
_UPDATED = (
    Filter("updated_start_date", "date_from", "updated_date"),
    Filter("updated_end_date", "date_to", "updated_date"),
)
# The rows added for issue 18 (point 5) live in their own module, which reads the names above.
from authserver.admin_api.resources_added import ADDED  # noqa: E402

RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        Resource(
            "categories",
            "category",
            fields=(
                F("category_name", required=True),
                F("parent_category_no", INT),
                F("category_depth", INT),
                F("display_type"),
                F("use_display", FLAG),
                F("use_main", FLAG),
                F("root_category_no", INT),
                F("full_category_name", OBJECT),
                F("full_category_no", OBJECT),
            ),
            filters=(
                *_COMMON,
                Filter("category_no", "numbers"),
                Filter("category_depth", "int", "category_depth"),
                Filter("parent_category_no", "int", "parent_category_no"),
                Filter("category_name", "contains"),
            ),
            max_limit=1000,
            max_offset=8000,
        ),
        Resource(
            "products",
            "product",
            fields=(
                F("product_name", required=True),
                F("price", MONEY, required=True),
                F("supply_price", MONEY),
                F("retail_price", MONEY),
                F("product_code"),
                F("custom_product_code"),
                F("eng_product_name"),
                F("model_name"),
                F("display", FLAG),
                F("selling", FLAG),
                F("sold_out", FLAG),
                F("product_condition"),
                F("summary_description", TEXT),
                F("simple_description", TEXT),
                F("description", TEXT),
                F("brand_code"),
                F("manufacturer_code"),
                F("supplier_code"),
                F("trend_code"),
                F("product_tag", STR_LIST),
                F("tax_type"),
                F("margin_rate", NUMBER),
                F("product_weight", MONEY),
                F("category", LIST),
                F("variants", LIST, embedded=True),
            ),
            filters=(
                *_COMMON,
                Filter("product_no", "numbers"),
                Filter("since_product_no", "since"),
                Filter("display", "flag"),
                Filter("selling", "flag"),
                Filter("product_name", "contains"),
                Filter("product_code", "contains"),
                Filter("custom_product_code", "contains"),
                Filter("brand_code", "in"),
                Filter("manufacturer_code", "in"),
                Filter("supplier_code", "in"),
                Filter("trend_code", "in"),
                Filter("product_condition", "in"),
                *_CREATED,
                *_UPDATED,
            ),
            max_offset=5000,
        ),
        Resource(
            "brands",
            "brand",
            fields=(
                F("brand_name", required=True),
                F("use_brand", FLAG),
                F("search_keyword"),
                F("product_count", INT),
            ),
            key_name="brand_code",
            key_kind=CODE,
            code_prefix="B",
            actions=frozenset({"list", "count", "create", "update", "delete"}),
            filters=(
                *_COMMON,
                Filter("brand_code", "codes"),
                Filter("brand_name", "in"),
                Filter("use_brand", "flag"),
            ),
            max_offset=8000,
        ),
        Resource(
            "suppliers",
            "supplier",
            fields=(
                F("supplier_name", required=True),
                F("manager_name"),
                F("phone"),
                F("commission", NUMBER),
                F("status"),
                F("use_supplier", FLAG),
                F("trading_type"),
                F("supplier_type"),
                F("payment_period"),
                F("business_item"),
                F("president_name"),
                F("company_name"),
                F("company_registration_no"),
                F("email"),
                F("memo", TEXT),
            ),
            key_name="supplier_code",
            key_kind=CODE,
            code_prefix="S",
            filters=(
                *_COMMON,
                Filter("supplier_code", "codes"),
                Filter("supplier_name", "contains"),
            ),
            max_offset=8000,
        ),
        Resource(
            "carts",
            "cart",
            fields=(
                F("member_id", required=True),
                F("product_no", INT, required=True, ref="products"),
                F("quantity", INT, required=True),
                F("variant_code"),
                F("product_price", MONEY),
                F("option_price", MONEY),
                F("product_bundle", FLAG),
            ),
            key_name="basket_product_no",
            lookup="member_id",
            actions=frozenset({"list"}),
            filters=(*_COMMON, Filter("member_id", "lookup")),
        ),
        Resource(
            "orders",
            "order",
            fields=(
                F("member_id", required=True),
                F("items", ITEMS, required=True, embedded=True),
                F("buyer_name"),
                F("billing_name"),
                F("member_email"),
                F("currency"),
                F("payment_method", STR_LIST),
                F("payment_method_name", STR_LIST),
                F("order_status"),
                F("paid", FLAG),
                F("canceled", FLAG),
                F("first_order", FLAG),
                F("order_from_mobile", FLAG),
                F("use_escrow", FLAG),
                F("shipping_status"),
                F("payment_amount", MONEY),
                F("commission", MONEY),
                F("order_place_id"),
                F("order_place_name"),
                F("shipping_type"),
                F("process_status"),
                F("initial_order_amount", OBJECT),
                F("actual_order_amount", OBJECT),
            ),
            key_name="order_id",
            key_kind=ORDER_ID,
            lookup="member_id",
            actions=frozenset({"list", "count", "get", "update"}),
            filters=(
                *_COMMON,
                Filter("order_id", "order_ids"),
                Filter("member_id", "lookup"),
                Filter("order_status", "in"),
                Filter("buyer_name", "in"),
                Filter("member_email", "in"),
                Filter("start_date", "date_from", "created_date"),
                Filter("end_date", "date_to", "created_date"),
                Filter("paid", "flag"),
                Filter("canceled", "flag"),
            ),
            max_limit=1000,
            max_offset=15000,
            bulk=frozenset({"update"}),
        ),
        Resource(
            "boards",
            "board",
            fields=(
                F("board_name", required=True),
                F("board_type"),
                F("use_board", FLAG),
                F("use_display", FLAG),
                F("display_order", INT),
                F("attached_file", FLAG),
                F("article_display_count", INT),
            ),
            actions=frozenset({"list", "update"}),
            filters=_COMMON,
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
                F("member_authentication"),
                F("use_blacklist", FLAG),
                F("blacklist_type"),
                F("authentication_method"),
                F("sms", FLAG),
                F("news_mail", FLAG),
                F("solar_calendar", FLAG),
                F("total_points", MONEY),
                F("available_points", MONEY),
                F("used_points", MONEY),
                F("last_login_date", DATETIME),
                F("gender"),
                F("use_mobile_app", FLAG),
                F("available_credits", MONEY),
                F("fixed_group", FLAG),
            ),
            key_name="member_id",
            key_kind=LOOKUP,
            lookup="member_id",
            actions=frozenset({"list", "delete"}),
            filters=(*_COMMON, Filter("member_id", "lookup"), Filter("cellphone", "in")),
        ),
        Resource(
            "sms",
            "sms",
            fields=(
                F("sender_no", INT, required=True),
                F("content", TEXT, required=True),
                F("recipients", STR_LIST, required=True),
                F("member_id", STR_LIST),
                F("group_no", INT),
                F("exclude_unsubscriber", FLAG),
                F("type"),
                F("title"),
            ),
            key_name="queue_code",
            actions=frozenset({"create"}),
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
                F("company_registration_no"),
                F("customer_service_phone"),
                F("customer_service_email"),
                F("mall_url"),
                F("currency_code"),
                F("timezone"),
            ),
            actions=frozenset({"get"}),
        ),
        Resource(
            "coupons",
            "coupon",
            fields=(
                F("coupon_name", required=True),
                F("coupon_type"),
                F("coupon_description", TEXT),
                F("benefit_type"),
                F("benefit_amount", MONEY),
                F("benefit_price", MONEY),
                F("benefit_percentage", NUMBER),
                F("benefit_percentage_round_unit", NUMBER),
                F("benefit_percentage_max_price", MONEY),
                F("issue_type"),
                F("issue_sub_type"),
                F("available_period_type"),
                F("available_begin_datetime", DATETIME),
                F("available_end_datetime", DATETIME),
                F("available_site"),
                F("available_scope"),
                F("available_price_type"),
                F("available_min_price", MONEY),
                F("available_coupon_count_by_order", INT),
                F("deleted", FLAG),
                F("issue_reserved", FLAG),
            ),
            actions=frozenset({"list", "count", "create", "update"}),
            filters=(
                *_COMMON,
                Filter("coupon_no", "numbers"),
                Filter("coupon_type", "in"),
                Filter("coupon_name", "contains"),
                Filter("benefit_type", "in"),
                Filter("issue_type", "in"),
                Filter("deleted", "flag"),
                *_CREATED,
            ),
            default_limit=100,
            max_limit=500,
            max_offset=8000,
        ),
        Resource(
            "themes",
            "theme",
            fields=(
                F("skin_name", required=True),
                F("skin_code"),
                F("language_code"),
                F("usage_type"),
                F("editor_type"),
                F("parent_skin_no", INT),
                F("seller_id"),
                F("seller_skin_code"),
                F("design_purchase_no", INT),
                F("design_product_code"),
                F("skin_thumbnail_url"),
                F("published_in"),
            ),
            key_name="skin_no",
            actions=frozenset({"list", "count", "get"}),
            filters=_COMMON,
        ),
        Resource(
            "apps",
            "app",
            APP_OBJECT,
            fields=(
                F("version"),
                F("version_expiration_date", DATETIME),
                F("initial_version"),
                F("previous_version"),
                F("extension_type"),
            ),
            actions=frozenset({"get", "update"}),
            per_app=True,
        ),
        Resource(
            "reports/salesvolume",
            "salesvolume",
            REPORT,
            actions=frozenset({"list"}),
            filters=(*_COMMON, Filter("product_no", "numbers")),
        ),
        *ADDED,
    )
}

_catalogue = set(scopes.CATEGORY_OF_RESOURCE)
if set(RESOURCES) != _catalogue:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(
        f"admin_api.RESOURCES and scopes.CATEGORIES differ: {_catalogue ^ set(RESOURCES)}"
    )


def validate(resource: Resource, values: Any, *, partial: bool) -> dict[str, Any]:
    """The fields to store from a request object; every required one unless ``partial``.

    Unknown and server-assigned fields are refused by name rather than dropped silently;
    ``shop_no`` (Cafe24's examples repeat it inside ``request``) is accepted when it is 1.
    """
    if not isinstance(values, dict):
        raise Invalid("request", "request must be a JSON object of fields.")
    if "shop_no" in values:
        values = dict(values)
        if values.pop("shop_no") != 1:
            raise Invalid("shop_no", "shop_no must be 1 (this mall has one shop).")
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
    return {name: check(resource.by_name[name], value) for name, value in values.items()}


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
