"""Cafe24's list and count filters over the fields authserver keeps inside a record's JSON:
money and stock ranges (``price_min``, ``stock_quantity_max``), a list's elements (a product's
``variants``, ``category`` and ``product_tag``, an order's ``payment_method`` and ``items``),
orders' ``date_type``, articles' flags and ``search``/``keyword``, and the sales report's
filters, which run on the orders' items in one grouped SELECT. Each narrows the list and the
count alike; a bad value is a 422 naming it. (The plans of these queries:
test_admin_api_filters.py.)"""

from __future__ import annotations

import pytest

from .admin_api_support import Api, count_of, numbers_of, seed, travelling_api
from .helpers import add_mall


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    return travelling_api(app, live_server, world, configure)


def _same(api: Api, path: str, params: dict, expected: list) -> None:
    """The list and the count narrowed alike by ``params``."""
    assert numbers_of(api, path, **params) == expected, params
    assert count_of(api, path, **params) == len(expected), params


def test_products_price_stock_category_tag_and_variant_filters(api):
    """products.md "Retrieve a list of products" and "Retrieve a count of products": price_min/
    price_max, retail_price_*, supply_price_*, stock_quantity_*, stock_safety_*, use_inventory,
    custom_variant_code (any variant), category, product_tag, eng_product_name, model_name."""
    rows = [
        {"price": "10", "retail_price": "12", "supply_price": "5", "product_tag": ["Summer"],
         "category": [{"category_no": 27}], "model_name": "A1865"},
        {"price": "25.50", "retail_price": "30", "supply_price": "20",
         "product_tag": ["winter", "sale"], "category": [{"category_no": 27}, {"category_no": 28}],
         "eng_product_name": "Wool scarf"},
        {"price": "100", "retail_price": "100", "supply_price": "80", "category": ["odd"]},
    ]  # fmt: skip
    for number, row in enumerate(rows, 1):
        assert api.post("products", {"product_name": f"P{number}", **row}).status_code == 201
    variant = {"quantity": 5, "safety_inventory": 2, "use_inventory": "T",
               "custom_variant_code": "SKU-1"}  # fmt: skip
    assert api.put("products/2/variants/P0000002000A", variant).status_code == 200
    variant = {"quantity": 50, "safety_inventory": 9, "custom_variant_code": "SKU-3"}
    assert api.put("products/3/variants/P0000003000A", variant).status_code == 200
    cases = [
        ({"price_min": "25.5"}, [2, 3]),
        ({"price_max": "25.50"}, [1, 2]),
        ({"price_min": "11", "price_max": "99.99"}, [2]),
        ({"retail_price_min": "30"}, [2, 3]),
        ({"supply_price_max": "5"}, [1]),
        ({"stock_quantity_min": "5"}, [2, 3]),
        ({"stock_quantity_max": "5"}, [1, 2]),  # product 1's default variant holds 0
        ({"stock_safety_min": "3"}, [3]),
        ({"use_inventory": "T"}, [2]),
        ({"custom_variant_code": "SKU-3,SKU-9"}, [3]),
        ({"category": "27"}, [1, 2]),
        ({"category": "28"}, [2]),
        ({"product_tag": "SUMM,sale"}, [1, 2]),
        ({"product_tag": "autumn"}, []),
        ({"eng_product_name": "wool"}, [2]),
        ({"model_name": "a18"}, [1]),
    ]
    for params, expected in cases:
        _same(api, "products", params, expected)


def test_orders_date_type_payment_method_product_and_flags(app, api, world):
    """orders.md "Retrieve a list of orders": date_type (the ranges read the order's date;
    a date authserver does not keep matches no order), first_order, payment_method and
    product_no (any of the order's), order_place_id."""
    for name in ("Shirt", "Scarf"):
        api.post("products", {"product_name": name, "price": "1"})
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 1}], "first_order": "T",
         "payment_method": ["card"], "order_place_id": "cafe24"},
        {"member_id": "b", "items": [{"product_no": 1, "quantity": 1},
                                     {"product_no": 2, "quantity": 2}],
         "first_order": "F", "payment_method": ["cash", "point"], "order_place_id": "mobile"},
    )  # fmt: skip
    ids = numbers_of(api, "orders")
    day = api.get("orders").json()["orders"][0]["created_date"][:10]
    cases = [
        ({"first_order": "T"}, ids[:1]),
        ({"payment_method": "point,tcash"}, ids[1:]),
        ({"order_place_id": "cafe24"}, ids[:1]),
        ({"product_no": "2"}, ids[1:]),
        ({"product_no": "1,2"}, ids),
        ({"date_type": "order_date", "start_date": day, "end_date": day}, ids),
        ({"date_type": "pay_date", "start_date": day, "end_date": day}, []),
        ({"date_type": "shipend_date"}, ids),  # no range: nothing to read
    ]
    for params, expected in cases:
        _same(api, "orders", params, expected)
    for name, value in (("date_type", "paid_date"), ("first_order", "yes"), ("product_no", "0")):
        answer = api.get("orders/count", params={name: value})
        assert answer.status_code == 422 and answer.json()["error"]["more_info"] == {"field": name}


def test_articles_is_notice_and_is_display(app, api, world):
    """boards-articles.md "Retrieve a list of posts for a board": is_notice, is_display."""
    seed(app, world.mall_id, "boards", {"board_name": "Notice"})
    article = {"writer": "W", "title": "T", "content": "C", "client_ip": "127.0.0.1"}
    for notice, display in (("T", "T"), ("F", "T"), ("F", "F")):
        api.post("boards/1/articles", {**article, "notice": notice, "display": display})

    def numbers(**params) -> list:
        answer = api.get("boards/1/articles", params=params)
        assert answer.status_code == 200, answer.text
        return [a["article_no"] for a in answer.json()["articles"]]

    assert numbers(is_notice="T") == [1]
    assert numbers(is_display="T") == [1, 2]
    assert numbers(is_notice="F", is_display="F") == [3]
    bad = api.get("boards/1/articles", params={"is_display": "yes"})
    assert bad.status_code == 422 and bad.json()["error"]["more_info"] == {"field": "is_display"}


def test_articles_search_and_keyword(app, api, world):
    """boards-articles.md "Retrieve a list of posts for a board": keyword searched in the field
    search names (subject, content, writer_name, product: the product's name, member_id), a
    part of it in any case, LIKE's wildcards as text."""
    with app.app_context():
        add_mall("othermall")
    seed(app, "othermall", "products", {"product_name": "Silk tie", "price": "1"})
    seed(app, world.mall_id, "boards", {"board_name": "Reviews"})
    for name in ("Linen shirt", "Wool scarf"):
        assert api.post("products", {"product_name": name, "price": "10"}).status_code == 201
    base = {"client_ip": "127.0.0.1"}
    for writer, title, content, member, product in (
        ("Kim", "Linen care", "Wash it cold", "kim01", 2),
        ("Lee", "Shipping", "100% linen, fast", "lee02", 1),
        ("Park", "Hello", "hi", "park03", None),
    ):
        article = {**base, "writer": writer, "title": title, "content": content}
        article |= {"member_id": member, "product_no": product}
        assert api.post("boards/1/articles", article).status_code == 201

    def numbers(**params) -> list:
        answer = api.get("boards/1/articles", params=params)
        assert answer.status_code == 200, answer.text
        return [a["article_no"] for a in answer.json()["articles"]]

    assert numbers(search="subject", keyword="LINEN") == [1]
    assert numbers(search="content", keyword="linen") == [2]
    assert numbers(search="writer_name", keyword="le") == [2]
    assert numbers(search="member_id", keyword="K03") == [3]
    assert numbers(search="product", keyword="scarf") == [1]
    assert numbers(search="product", keyword="SHIRT") == [2]
    assert numbers(search="product", keyword="silk") == []  # another mall's product 1
    assert numbers(search="content", keyword="100%") == [2]
    assert numbers(search="content", keyword="%") == [2]  # a wildcard is text
    assert numbers(search="content", keyword="_") == []
    assert numbers(search="subject", keyword="Linen", member_id="lee02") == []
    assert numbers(search="subject") == [1, 2, 3]  # nothing to search for
    for params, field in (
        ({"search": "title", "keyword": "x"}, "search"),
        ({"search": "title"}, "search"),
        ({"keyword": "x"}, "search"),
        ({"search": "subject", "keyword": " "}, "keyword"),
        ({"search": "subject", "keyword": "x" * 256}, "keyword"),
    ):
        bad = api.get("boards/1/articles", params=params)
        assert bad.status_code == 422, params
        assert bad.json()["error"]["more_info"] == {"field": field}, params


def test_sales_volume_filters_run_on_the_items_in_sql(app, api, world, travel):
    """reports-salesvolume.md "Retrieve a sales report": product_no (the items of those
    products only, not their orders' other items), start_date/end_date, mobile,
    delivery_type; limit and offset page the grouped answer."""
    for name in ("Shirt", "Scarf", "Tote"):
        api.post("products", {"product_name": name, "price": "1"})
    orders = [
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 2},
                                     {"product_no": 2, "quantity": 1}],
         "order_from_mobile": "T", "shipping_type": "A"},
        {"member_id": "b", "items": [{"product_no": 2, "quantity": 4},
                                     {"product_no": 3, "quantity": 1}],
         "order_from_mobile": "F", "shipping_type": "B"},
    ]  # fmt: skip
    for order in orders:  # two days apart
        seed(app, world.mall_id, "orders", order)
        travel(2 * 86400)
    later = api.get("orders").json()["orders"][1]["created_date"][:10]

    def sales(**params) -> list:
        answer = api.get("reports/salesvolume", params=params)
        assert answer.status_code == 200, answer.text
        return [(r["product_no"], r["total_sales"], r["settle_count"]) for r in
                answer.json()["salesvolume"]]  # fmt: skip

    assert sales() == [(1, "2", "1"), (2, "5", "2"), (3, "1", "1")]
    assert sales(product_no="2") == [(2, "5", "2")]
    assert sales(product_no="1,3") == [(1, "2", "1"), (3, "1", "1")]
    assert sales(start_date=later) == [(2, "4", "1"), (3, "1", "1")]
    assert sales(end_date=later, product_no="1") == [(1, "2", "1")]
    assert sales(mobile="T") == [(1, "2", "1"), (2, "1", "1")]
    assert sales(delivery_type="B", product_no="2") == [(2, "4", "1")]
    assert sales(limit="1", offset="1") == [(2, "5", "2")]
    for name, value in (("product_no", "x"), ("mobile", "Y"), ("start_date", "soon")):
        answer = api.get("reports/salesvolume", params={name: value})
        assert answer.status_code == 422 and answer.json()["error"]["more_info"] == {"field": name}
