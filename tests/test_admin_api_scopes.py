"""The table-driven scope test: every (category, method) pair, with and without its scope.

The table below is written out by hand (not derived from the code under test); a test checks
that it covers every category of the catalogue, so a new category without rows fails here.
For each row, a token holding exactly the required scope succeeds, and a token holding every
other scope of the catalogue (the same category's other action included) gets the 404
"Permission unauthorized." naming the scope. Tokens come from the real flow; one app registers
every scope, and each distinct scope set is authorized once.
"""

from __future__ import annotations

import pytest

from authserver import scopes
from authserver.admin_api import required_scope

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed

P = {"product_name": "Shirt", "price": "1000.00"}
#: (category, method, path, body, required scope, status with the scope). A method Cafe24 does
#: not document for a resource keeps its row: the scope is checked first, then the call is
#: Cafe24's 404 "Cannot locate API." (``NO_API``). ``{order_id}`` is the seeded order's key.
NO_API = 404
TABLE = [
    ("category", "GET", "categories", None, "mall.read_category", 200),
    ("category", "GET", "categories/1", None, "mall.read_category", 200),
    ("category", "GET", "categories/count", None, "mall.read_category", 200),
    ("category", "POST", "categories", {"category_name": "A"}, "mall.write_category", 201),
    ("category", "PUT", "categories/1", {"category_name": "B"}, "mall.write_category", 200),
    ("category", "DELETE", "categories/1", None, "mall.write_category", 200),
    ("product", "GET", "products", None, "mall.read_product", 200),
    ("product", "GET", "products/1", None, "mall.read_product", 200),
    ("product", "POST", "products", P, "mall.write_product", 201),
    ("product", "PUT", "products/1", {"price": "5.00"}, "mall.write_product", 200),
    ("product", "DELETE", "products/2", None, "mall.write_product", 200),
    ("collection", "GET", "brands", None, "mall.read_collection", 200),
    ("collection", "GET", "brands/B0000001", None, "mall.read_collection", NO_API),
    ("collection", "POST", "brands", {"brand_name": "A"}, "mall.write_collection", 201),
    ("collection", "PUT", "brands/B0000001", {"brand_name": "B"}, "mall.write_collection", 200),
    ("collection", "DELETE", "brands/B0000001", None, "mall.write_collection", 200),
    ("supply", "GET", "suppliers", None, "mall.read_supply", 200),
    ("supply", "GET", "suppliers/S0000001", None, "mall.read_supply", 200),
    ("supply", "POST", "suppliers", {"supplier_name": "A"}, "mall.write_supply", 201),
    ("supply", "PUT", "suppliers/S0000001", {"phone": "1"}, "mall.write_supply", 200),
    ("supply", "DELETE", "suppliers/S0000001", None, "mall.write_supply", 200),
    ("personal", "GET", "carts?member_id=seed", None, "mall.read_personal", 200),
    (
        "personal",
        "POST",
        "carts",
        {"member_id": "a", "product_no": 1, "quantity": 1},
        "mall.write_personal",
        NO_API,
    ),
    ("personal", "PUT", "carts/1", {"quantity": 2}, "mall.write_personal", NO_API),
    ("personal", "DELETE", "carts/1", None, "mall.write_personal", NO_API),
    ("order", "GET", "orders", None, "mall.read_order", 200),
    ("order", "GET", "orders/{order_id}", None, "mall.read_order", 200),
    (
        "order",
        "POST",
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 1}]},
        "mall.write_order",
        NO_API,
    ),
    ("order", "PUT", "orders/{order_id}", {"order_status": "N40"}, "mall.write_order", 200),
    ("order", "DELETE", "orders/{order_id}", None, "mall.write_order", NO_API),
    ("community", "GET", "boards", None, "mall.read_community", 200),
    ("community", "GET", "boards/1", None, "mall.read_community", 200),
    ("community", "POST", "boards", {"board_name": "A"}, "mall.write_community", NO_API),
    ("community", "PUT", "boards/1", {"board_name": "B"}, "mall.write_community", 200),
    ("community", "DELETE", "boards/1", None, "mall.write_community", NO_API),
    ("customer", "GET", "customers?member_id=seed", None, "mall.read_customer", 200),
    ("customer", "POST", "customers", {"member_id": "a"}, "mall.write_customer", NO_API),
    ("customer", "PUT", "customers/seed", {"name": "A"}, "mall.write_customer", NO_API),
    ("customer", "DELETE", "customers/seed", None, "mall.write_customer", 200),
    ("notification", "GET", "sms", None, "mall.read_notification", NO_API),
    (
        "notification",
        "POST",
        "sms",
        {"sender_no": 1, "content": "Hi", "recipients": ["a"]},
        "mall.write_notification",
        201,
    ),
    ("notification", "PUT", "sms/1", {"content": "Hello"}, "mall.write_notification", NO_API),
    ("notification", "DELETE", "sms/1", None, "mall.write_notification", NO_API),
    ("store", "GET", "store", None, "mall.read_store", 200),
    ("store", "PUT", "store", {"shop_name": "A"}, "mall.write_store", NO_API),
    ("promotion", "GET", "coupons", None, "mall.read_promotion", 200),
    ("promotion", "POST", "coupons", {"coupon_name": "A"}, "mall.write_promotion", 201),
    ("promotion", "PUT", "coupons/1", {"coupon_name": "B"}, "mall.write_promotion", 200),
    ("promotion", "DELETE", "coupons/1", None, "mall.write_promotion", NO_API),
    ("design", "GET", "themes", None, "mall.read_design", 200),
    ("design", "GET", "themes/1", None, "mall.read_design", 200),
    ("design", "POST", "themes", {"skin_name": "A"}, "mall.write_design", NO_API),
    ("design", "PUT", "themes/1", {"skin_name": "B"}, "mall.write_design", NO_API),
    ("design", "DELETE", "themes/1", None, "mall.write_design", NO_API),
    ("application", "GET", "apps", None, "mall.read_application", 200),
    ("application", "POST", "apps", {"version": "1"}, "mall.write_application", NO_API),
    ("application", "PUT", "apps", {"version": "2"}, "mall.write_application", 200),
    ("application", "DELETE", "apps", None, "mall.write_application", NO_API),
    ("salesreport", "GET", "reports/salesvolume", None, "mall.read_salesreport", 200),
]
#: Records the rows above act on, created first with a token holding every scope: through
#: the API where Cafe24 allows a create, else stored as the mall's own data (``seed``).
FIXTURES = [
    ("products", P),
    ("products", P),
    ("categories", {"category_name": "Seed"}),
    ("brands", {"brand_name": "Seed"}),
    ("suppliers", {"supplier_name": "Seed"}),
    ("coupons", {"coupon_name": "Seed"}),
]
SEEDS = [
    ("carts", {"member_id": "seed", "product_no": 1, "quantity": 1}),
    ("orders", {"member_id": "seed", "items": [{"product_no": 1, "quantity": 1}]}),
    ("boards", {"board_name": "Seed"}),
    ("customers", {"member_id": "seed"}),
    ("themes", {"skin_name": "Seed"}),
]


def test_the_table_covers_every_category_and_every_write_method():
    covered = {(row[0], row[1]) for row in TABLE}
    for category in scopes.CATEGORIES:
        methods = {"GET", "PUT"} if category.name == "store" else {"GET", "POST", "PUT", "DELETE"}
        if not category.writable:
            methods = {"GET"}
        assert {(category.name, m) for m in methods} <= covered, category.name
    # ...and the map the API (and the gateway check) decides with agrees, row by row.
    for _, method, path, _, scope, _ in TABLE:
        path = path.split("?")[0].replace("{order_id}", "20240131-0000001")
        assert required_scope(method, path) == scope


def test_every_pair_with_and_without_its_scope(app, live_server, world, configure):
    configure(AUTHSERVER_API_BUCKET_SIZE=100_000)
    client = app_with_scopes(app, world, ALL)
    tokens: dict[frozenset[str], str] = {}

    def api_with(scope_set) -> Api:
        key = frozenset(scope_set)
        if key not in tokens:
            ordered = scopes.normalise(key)
            tokens[key] = obtain_token(live_server, world.mall_id, client, ordered)["access_token"]
        return Api(live_server, world.mall_id, tokens[key])

    everything = api_with(ALL)
    for path, body in FIXTURES:
        assert everything.post(path, body).status_code == 201, path
    for path, body in SEEDS:
        seed(app, world.mall_id, path, body)
    order_id = everything.get("orders").json()["orders"][0]["order_id"]

    for category, method, path, body, scope, status in TABLE:
        path = path.replace("{order_id}", order_id)
        without = api_with(set(ALL) - {scope}).call(method, path, body)
        assert without.status_code == 404, (category, method, path)
        assert without.headers["Content-Type"] == "application/json"
        assert without.json()["error"] == {
            "code": 404,
            "message": "Permission unauthorized.",
            "more_info": {"required_scope": scope},
        }, (category, method, path)

        with_scope = api_with({scope}).call(method, path, body)
        assert with_scope.status_code == status, (category, method, path, with_scope.text)
        if status == NO_API:
            assert with_scope.json()["error"]["message"] == "Cannot locate API."


@pytest.mark.parametrize("category", [c.name for c in scopes.CATEGORIES if not c.writable])
def test_read_only_categories_have_no_write_calls(category):
    for resource in scopes.CATEGORY_BY_NAME[category].resources:
        for method in ("POST", "PUT", "DELETE"):
            assert required_scope(method, resource) is None
            assert required_scope(method, f"{resource}/1") is None


def test_endpoints_resolved_at_import_are_what_resolve_finds():
    from authserver.admin_api.resources import RESOURCES
    from authserver.admin_api.scope_map import _resolve, resolve

    methods = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "Head")
    paths = [p for r in RESOURCES for p in (r, f"{r}/count", f"{r}/7", f"{r}/", f"/{r}")]
    for method in methods:
        for path in paths:
            assert resolve(method, path) == _resolve(method, path), (method, path)


def test_the_gateway_can_ask_with_an_original_uri():
    from authserver.admin_api import parse_admin_uri

    assert parse_admin_uri("/malls/shop1/api/v2/admin/products/7?fields=a") == (
        "shop1",
        "products/7",
    )
    assert parse_admin_uri("/malls/shop1/api/v2/admin") == ("shop1", "")
    assert parse_admin_uri("/malls/shop1/api/v2/oauth/token") is None
    assert required_scope("DELETE", "/products/7") == "mall.write_product"
    assert required_scope("HEAD", "reports/salesvolume") == "mall.read_salesreport"
    assert required_scope("GET", "products/7/x") is None
