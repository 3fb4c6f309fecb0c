"""The Admin API's resources in one declarative table: what Cafe24 documents for each.

Each row names a resource of the scope catalogue (``scopes.CATEGORIES``; the module refuses to
load when the two disagree) and declares, as Cafe24's reference (cafe24_chapters/<resource>.md)
documents it: the singular of its item key; its kind (a collection, one object, one object per
app, a read-only report); its key (``product_no``, ``order_id``, ``brand_code``, ``member_id``...);
the actions its methods allow; its fields with Cafe24's names and types (``wire``); the list and
count filters it honours (``filters``); its ``limit``/``offset`` bounds; and which writes take
Cafe24's bulk form. The rows of the shop's other resources are kept in ``resources_shop`` and
those added for issue 18 in ``resources_added``, only to keep modules short. A new resource is
one row (plus its scope category); ``validate`` turns a request object into the data to store,
or names the first bad field.
"""

from __future__ import annotations

from authserver import scopes
from authserver.admin_api.resources_added import ADDED
from authserver.admin_api.resources_shop import SHOP
from authserver.admin_api.schema import (
    ALL_ACTIONS,
    APP_OBJECT,
    CODE,
    COLLECTION,
    COMMON_FILTERS,
    CREATED_FILTERS,
    EMBEDDED,
    LIST_ACTIONS,
    LOOKUP,
    NUMBER_TEXT,
    NUMBERED,
    ORDER_DATE_TYPES,
    ORDER_ID,
    PERIOD_FILTERS,
    READ_ACTIONS,
    REPORT,
    SINGLETON,
    UPDATED_FILTERS,
    Filter,
    Refused,
    Resource,
    product_refs,
    ranges,
    validate,
)
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
)

__all__ = [
    "DATETIME", "FLAG", "INT", "INT_LIST", "ITEMS", "LIST", "MAX_INT", "MAX_NUMBER", "MONEY",
    "NUMBER", "OBJECT", "STR", "STR_LIST", "TEXT", "Field", "Filter", "Invalid", "Resource",
    "RESOURCES", "product_refs", "validate", "ALL_ACTIONS", "APP_OBJECT", "CODE", "COLLECTION",
    "LIST_ACTIONS", "LOOKUP", "NUMBER_TEXT", "NUMBERED", "ORDER_ID", "REPORT", "SINGLETON",
    "EMBEDDED", "READ_ACTIONS", "Refused", "ITEM_NO", "answer_keys",
]  # fmt: skip

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
                F("category_depth", INT),
                F("display_type"),
                F("use_display", FLAG),
                F("use_main", FLAG),
                F("root_category_no", INT),
                F("full_category_name", OBJECT),
                F("full_category_no", OBJECT),
                F("display_order", INT),
                F("soldout_product_display"),
                F("sub_category_product_display", FLAG),
                F("hashtag_product_display", FLAG),
                F("hash_tags", STR_LIST),
                F("product_display_scope"),
                F("product_display_type"),
                F("product_display_key"),
                F("product_display_sort"),
                F("product_display_period"),
                F("access_authority"),
            ),
            filters=(
                *COMMON_FILTERS,
                Filter("category_no", "numbers"),
                Filter("category_depth", "int"),
                Filter("parent_category_no", "int"),
                Filter("category_name", "contains"),
                Filter("use_main", "flag"),
                Filter("use_display", "flag"),
            ),
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
                F("margin_rate", MONEY),
                F("product_weight", MONEY),
                F("category", LIST),
                F("variants", LIST, embedded=True),
            ),
            filters=(
                *COMMON_FILTERS,
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
                Filter("eng_product_name", "contains"),
                Filter("model_name", "contains"),
                Filter("product_tag", "contains", "product_tag[]"),
                Filter("category", "int", "category[].category_no"),
                Filter("custom_variant_code", "in", "variants[].custom_variant_code"),
                Filter("use_inventory", "flag", "variants[].use_inventory"),
                *ranges("price"),
                *ranges("retail_price"),
                *ranges("supply_price"),
                *ranges("stock_quantity", "variants[].quantity"),
                *ranges("stock_safety", "variants[].safety_inventory"),
                *CREATED_FILTERS,
                *UPDATED_FILTERS,
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
                *COMMON_FILTERS,
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
                F("commission", MONEY),
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
                *COMMON_FILTERS,
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
                F("quantity", INT, required=True, minimum=1),
                F("variant_code"),
                F("product_price", MONEY),
                F("option_price", MONEY),
                F("product_bundle", FLAG),
                F("category_no", INT),
            ),
            key_name="basket_product_no",
            lookup="member_id",
            actions=frozenset({"list"}),
            filters=(*COMMON_FILTERS, Filter("member_id", "lookup")),
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
            links=True,
            filters=(
                *COMMON_FILTERS,
                Filter("order_id", "order_ids"),
                Filter("member_id", "lookup"),
                Filter("order_status", "in"),
                Filter("buyer_name", "in"),
                Filter("member_email", "in"),
                *PERIOD_FILTERS,
                Filter("date_type", "date_type", choices=ORDER_DATE_TYPES),
                Filter("paid", "flag"),
                Filter("canceled", "flag"),
                Filter("first_order", "flag"),
                Filter("payment_method", "in", "payment_method[]"),
                Filter("order_place_id", "in"),
                Filter("product_no", "numbers", "items[].product_no"),
            ),
            max_limit=1000,
            max_offset=15000,
            bulk=frozenset({"update"}),
        ),
        *SHOP,
        Resource(
            "reports/salesvolume",
            "salesvolume",
            REPORT,
            actions=frozenset({"list"}),
            # The orders' items of these products; the report keeps only those items' sums.
            filters=(
                *COMMON_FILTERS,
                Filter("product_no", "numbers", "items[].product_no"),
                *PERIOD_FILTERS,
                Filter("mobile", "flag", "order_from_mobile"),
                Filter("delivery_type", "in", "shipping_type"),
            ),
        ),
        *ADDED,
    )
}

_catalogue = set(scopes.CATEGORY_OF_RESOURCE)
if set(RESOURCES) != _catalogue:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(
        f"admin_api.RESOURCES and scopes.CATEGORIES differ: {_catalogue ^ set(RESOURCES)}"
    )


#: The embedded children Cafe24 also numbers by their place in the list (an order's ``item_no``).
ITEM_NO = {"orders/items": "item_no"}


def answer_keys(resource: Resource) -> frozenset[str]:
    """The keys a record of ``resource`` answers, which ``fields=`` may name: an embedded
    child's (``nested.child_json``) hold its parent's key and no dates."""
    if resource.kind != EMBEDDED:
        return frozenset({resource.number_field, "shop_no", *resource.dates, *resource.by_name})
    parent = RESOURCES[resource.parent or ""]
    numbered = ITEM_NO.get(resource.path)
    keys = {resource.number_field, "shop_no", parent.number_field, *resource.by_name}
    return frozenset(keys | ({numbered} if numbered else set()))


def url_path(resource: Resource) -> str:
    """Its path under ``/api/v2/admin/``: a sub-resource's names its parent's key
    (``orders/{order_id}/items``), the others are their own path (``products``)."""
    if resource.parent is None:
        return resource.path
    parent = RESOURCES[resource.parent]
    return f"{parent.path}/{{{parent.number_field}}}/{resource.key}"
