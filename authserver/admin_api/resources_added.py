"""Rows of the resource table for the resources Cafe24 apps call most (issue 18, point 5).

``resources.RESOURCES`` is one table; these rows are kept here only to keep modules short. Each
declares what Cafe24's reference (cafe24_chapters/<resource>.md) documents: methods, key, fields,
filters and bounds. How each behaves is in docs/admin-api.md ("Resources Cafe24 apps call most").
"""

from __future__ import annotations

from dataclasses import replace

from authserver.admin_api.property_lists import CUSTOMERSPRIVACY_FIELDS
from authserver.admin_api.schema import (
    COMMON_FILTERS,
    CREATED_FILTERS,
    EMBEDDED,
    LOOKUP,
    NUMBER_TEXT,
    PERIOD_FILTERS,
    READ_ACTIONS,
    REPORT,
    UPDATED_FILTERS,
    Filter,
    Resource,
)
from authserver.admin_api.wire import (
    FLAG,
    INT,
    INT_LIST,
    MONEY,
    OBJECT,
    STR_LIST,
    TEXT,
    Field,
)

F = Field
#: What a points entry does to the member's balance (points.md, ``type``).
POINT_TYPES = ("increase", "decrease")
#: Cafe24's required period of activity logs and points (``start_date``, ``end_date``).
_REQUIRED_PERIOD = tuple(replace(period, required=True) for period in PERIOD_FILTERS)
#: boards-articles.md's ``search`` (what ``keyword`` searches) -> the article's field: the
#: ``product`` is the name of the article's product (``filters``, kind ``keyword``).
_ARTICLE_SEARCH = (
    ("subject", "title"),
    ("content", "content"),
    ("writer_name", "writer"),
    ("product", "product_no->products.product_name"),
    ("member_id", "member_id"),
)

ADDED: tuple[Resource, ...] = (
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
        key_name="script_no",
        key_kind=NUMBER_TEXT,
        filters=(
            *COMMON_FILTERS,
            Filter("script_no", "numbers"),
            Filter("src", "in"),
            *CREATED_FILTERS,
            *UPDATED_FILTERS,
        ),
    ),
    Resource(
        "customersprivacy",
        "customersprivacy",
        fields=CUSTOMERSPRIVACY_FIELDS,
        key_name="member_id",
        key_kind=LOOKUP,
        lookup="member_id",
        actions=frozenset({"list", "count", "get", "update"}),
        stored_as="customers",
        dates=("created_date",),  # Cafe24 shows no updated_date of a customer
        filters=(
            *COMMON_FILTERS,
            Filter("member_id", "lookup"),
            Filter("email", "in"),
            Filter("sms", "flag"),
            Filter("news_mail", "flag"),
            Filter("group_no", "int"),
        ),
        default_limit=30,
        max_limit=1000,
        max_offset=8000,
    ),
    Resource(
        "customergroups",
        "customergroup",
        fields=(
            F("group_name", required=True),
            F("group_description"),
            F("benefits_paymethod"),
            F("group_icon"),
            F("buy_benefits"),
            F("ship_benefits", FLAG),
            F("product_availability"),
            F("discount_information", OBJECT),
            F("points_information", OBJECT),
            F("mobile_discount_information", OBJECT),
            F("mobile_points_information", OBJECT),
            F("discount_limit_information", OBJECT),
        ),
        key_name="group_no",
        actions=READ_ACTIONS,
        filters=(*COMMON_FILTERS, Filter("group_no", "numbers"), Filter("group_name", "in")),
        dates=(),  # customergroups.md shows no dates
    ),
    Resource(
        "points",
        "points",  # Cafe24 answers a POST with {"points": {...}} too
        fields=(
            F("member_id", required=True),
            F("order_id"),
            F("amount", MONEY, required=True),
            F("type", required=True, choices=POINT_TYPES),
            F("reason"),
            # Who granted them: the app (its client_id and name) or the demo's operator.
            F("admin_id", read_only=True),
            F("admin_name", read_only=True),
        ),
        lookup="member_id",
        actions=frozenset({"list", "create"}),
        filters=(
            *COMMON_FILTERS,
            *_REQUIRED_PERIOD,
            Filter("member_id", "lookup"),
            Filter("order_id", "in"),
        ),
        max_offset=8000,
    ),
    Resource("dashboard", "dashboard", REPORT, actions=frozenset({"list"}), filters=COMMON_FILTERS),
    Resource(
        "activitylogs",
        "activitylog",
        fields=(
            F("mode", read_only=True, omitted_in=frozenset({"get"})),  # as activitylogs.md
            F("type", read_only=True),
            F("content", TEXT, read_only=True),
            F("manager_id", read_only=True),
            F("manager_type", read_only=True),
        ),
        key_name="process_no",
        actions=frozenset({"list", "get"}),
        filters=(
            *_REQUIRED_PERIOD,
            Filter("mode", "in"),
            Filter("type", "in"),
            Filter("manager_id", "in"),
            Filter("manager_type", "in"),
            Filter("content", "contains"),
        ),
        max_offset=8000,
        dates=("process_date",),
        with_shop_no=False,
        links=True,
    ),
    Resource(
        "products/variants",
        "variant",
        EMBEDDED,
        fields=(
            F("variant_code", read_only=True),
            F("custom_variant_code"),
            F("display", FLAG),
            F("selling", FLAG),
            F("additional_amount", MONEY),
            F("quantity", INT),
            F("use_inventory", FLAG),
            F("display_soldout", FLAG),
            F("safety_inventory", INT),
        ),
        key_name="variant_code",
        actions=frozenset({"list", "get", "update", "delete"}),
        parent="products",
        bulk=frozenset({"update"}),
    ),
    Resource(
        "orders/items",
        "item",
        EMBEDDED,
        fields=(
            F("product_no", INT, required=True, ref="products"),
            F("quantity", INT, required=True, minimum=1),
            F("order_status"),
            F("claim_type"),
            F("claim_status"),
            F("claim_reason_type"),
            F("claim_reason", TEXT),
            F("claim_quantity", INT),
        ),
        key_name="order_item_code",
        actions=frozenset({"list", "create", "update"}),
        parent="orders",
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
            F("display", FLAG),
            F("secret", FLAG),
            F("notice", FLAG),
            F("fixed", FLAG),
            F("reply_status"),
        ),
        actions=frozenset({"list", "create", "update", "delete"}),
        parent="boards",
        bulk=frozenset({"create"}),
        max_requests=10,
        dates=("created_date",),
        filters=(
            *COMMON_FILTERS,
            Filter("article_no", "numbers"),
            Filter("member_id", "in"),
            Filter("reply_status", "in"),
            Filter("product_no", "int"),
            Filter("is_notice", "flag", "notice"),
            Filter("is_display", "flag", "display"),
            Filter("search", "choice", choices=tuple(name for name, _ in _ARTICLE_SEARCH)),
            Filter("keyword", "keyword", "search", searched=_ARTICLE_SEARCH),
            *PERIOD_FILTERS,
        ),
        max_offset=8000,
    ),
)
