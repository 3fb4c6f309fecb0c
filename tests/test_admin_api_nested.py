"""Sub-resources through the live server (issue 18, point 5): orders/{order_id}/items,
products/{product_no}/variants and boards/{board_no}/articles. A missing parent is Cafe24's 404,
each child belongs to its parent (and its mall), only Cafe24's methods exist, the parent's scope
rules, and bad input is a 422 naming the field. Examples: cafe24_chapters/orders-items.md,
products-variants.md and boards-articles.md of the public mirror noston/cafe24-api-spec."""

from __future__ import annotations

import pytest

from authserver import scopes
from authserver.extensions import db
from authserver.models import Developer

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed
from .helpers import add_mall

#: boards-articles.md, "Post an article of a board using only writer, title, content, and
#: client_ip fields".
ARTICLE = {"writer": "John Doe", "title": "Sample post", "content": "Sample content",
           "client_ip": "127.0.0.1"}  # fmt: skip


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ALL)
    world.extra["all_client"] = client
    return Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )


def _other_mall(app, live_server, world) -> Api:
    with app.app_context():
        developer = db.session.query(Developer).filter_by(email=world.developer).one()
        add_mall("othermall", test_mall_of=developer)
    token = obtain_token(live_server, "othermall", world.extra["all_client"])
    return Api(live_server, "othermall", token["access_token"])


def _without(live_server, world, scope: str) -> Api:
    rest = scopes.normalise(set(ALL) - {scope})
    token = obtain_token(live_server, world.mall_id, world.extra["all_client"], rest)
    return Api(live_server, world.mall_id, token["access_token"])


def _product(api: Api, name: str = "Shirt") -> int:
    answer = api.post("products", {"product_name": name, "price": 1000})
    assert answer.status_code == 201, answer.text
    return answer.json()["product"]["product_no"]


# -- orders/{order_id}/items -------------------------------------------------------------------
def _order(app, api, world) -> str:
    """Order 1 of the mall (Cafe24 offers no POST /orders): its order_id."""
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 2}]},
    )
    return api.get("orders").json()["orders"][0]["order_id"]


def test_order_items_are_the_orders_items(app, api, world):
    _product(api), _product(api, "Scarf")
    order_id = _order(app, api, world)

    items = api.get(f"orders/{order_id}/items").json()["items"]
    assert items == [
        {
            "shop_no": 1,
            "item_no": 1,
            "order_item_code": f"{order_id}-01",
            "product_no": 1,
            "quantity": 2,
            "order_status": None,
            "claim_type": None,
            "claim_status": None,
            "claim_reason_type": None,
            "claim_reason": None,
            "claim_quantity": None,
            "order_id": order_id,
        }
    ]
    added = api.post(f"orders/{order_id}/items", {"product_no": 2, "quantity": 3})
    assert added.status_code == 201, added.text
    assert added.json()["item"]["order_item_code"] == f"{order_id}-02"
    # The order's embed=items and the sales report read the same list.
    embedded = api.get(f"orders/{order_id}?embed=items").json()["order"]["items"]
    assert embedded[1] == {"product_no": 2, "quantity": 3}
    sales = api.get("reports/salesvolume").json()["salesvolume"]
    assert [(s["product_no"], s["total_sales"]) for s in sales] == [(1, "2"), (2, "3")]

    # orders-items.md, "Request for returning product".
    claim = {"claim_type": "R", "claim_status": "T", "claim_reason_type": "A", "claim_quantity": 1}
    changed = api.put(f"orders/{order_id}/items/{order_id}-01", claim)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()["item"][k] for k in claim} == claim
    assert api.get(f"orders/{order_id}/items").json()["items"][0]["claim_type"] == "R"


def test_order_items_refusals(api, app, live_server, world):
    _product(api)
    order_id = _order(app, api, world)
    other_day = f"20000101-{order_id[-7:]}"
    missing = api.get(f"orders/{other_day}/items")
    assert missing.status_code == 404
    assert missing.json()["error"]["more_info"] == {"order_id": other_day}
    assert api.post("orders/9/items", {"product_no": 1, "quantity": 1}).status_code == 404
    assert api.put(f"orders/{order_id}/items/{order_id}-07", {"quantity": 2}).status_code == 404
    for body, field in (
        ({"product_no": 5, "quantity": 1}, "product_no"),
        ({"product_no": 1}, "quantity"),
        # An item of none is no item: the order's own items and the sales report count it.
        ({"product_no": 1, "quantity": 0}, "quantity"),
        ({"product_no": 1, "quantity": 1, "order_item_code": "x"}, "order_item_code"),
    ):
        answer = api.post(f"orders/{order_id}/items", body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["more_info"] == {"field": field}
    assert len(api.get(f"orders/{order_id}/items").json()["items"]) == 1  # nothing written
    # Cafe24 has no count, read of one item, nor delete of an item.
    for method, path in (("GET", "items/count"), ("GET", f"items/{order_id}-01"),
                         ("DELETE", f"items/{order_id}-01")):  # fmt: skip
        answer = api.call(method, f"orders/{order_id}/{path}")
        assert answer.json()["error"]["message"] == "Cannot locate API."
    other = _other_mall(app, live_server, world)
    assert other.get(f"orders/{order_id}/items").status_code == 404
    without = _without(live_server, world, "mall.write_order")
    refused = without.post(f"orders/{order_id}/items", {"product_no": 1, "quantity": 1})
    assert refused.json()["error"]["more_info"] == {"required_scope": "mall.write_order"}


def test_embedded_lists_apply_fields_and_have_no_page(app, api, world):
    """orders-items.md and products-variants.md: both lists document fields ("... with fields
    parameter") and no limit or offset, which are then ignored as any unknown parameter."""
    _product(api), _product(api, "Scarf")
    order_id = _order(app, api, world)
    for quantity in (3, 4):
        added = api.post(f"orders/{order_id}/items", {"product_no": 2, "quantity": quantity})
        assert added.status_code == 201, added.text
    items = f"orders/{order_id}/items"
    named = api.get(items, params={"fields": "item_no,quantity,order_id"}).json()["items"]
    assert named == [{"item_no": n, "quantity": n + 1, "order_id": order_id} for n in (1, 2, 3)]
    for page in ({"limit": "1", "offset": "1"}, {"limit": "x", "offset": "-1"}):
        answer = api.get(items, params=page)
        assert answer.status_code == 200, page
        assert [i["item_no"] for i in answer.json()["items"]] == [1, 2, 3]
    unknown = api.get(items, params={"fields": "quantity,created_date"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["more_info"] == {"field": "fields"}

    variants = api.get("products/1/variants", params={"fields": "variant_code,display", "limit": 0})
    assert variants.json() == {"variants": [{"variant_code": "P0000001000A", "display": "T"}]}
    one = api.get("products/1/variants/P0000001000A", params={"fields": "quantity,product_no"})
    assert one.json() == {"variant": {"quantity": 0, "product_no": 1}}


# -- products/{product_no}/variants ------------------------------------------------------------
def test_each_product_has_its_variants(api, app, live_server, world):
    _product(api), _product(api, "Scarf")
    variants = api.get("products/1/variants").json()["variants"]
    assert [v["variant_code"] for v in variants] == ["P0000001000A"]
    variant = variants[0]
    assert variant["product_no"] == 1 and variant["display"] == "T"
    embedded = api.get("products/1?embed=variants").json()["product"]["variants"]
    assert [v["variant_code"] for v in embedded] == ["P0000001000A"]
    assert api.get("products/1/variants/P0000001000A").json() == {"variant": variant}
    # A variant is found only through its own product.
    assert api.get("products/2/variants/P0000001000A").status_code == 404

    # products-variants.md, "Update a variant of the product to sold out".
    sold_out = api.put("products/1/variants/P0000001000A", {"selling": "F", "quantity": 0})
    assert sold_out.status_code == 200, sold_out.text
    assert sold_out.json()["variant"]["selling"] == "F"
    bad = api.put("products/1/variants/P0000001000A", {"variant_code": "P0000009000A"})
    assert (bad.status_code, bad.json()["error"]["more_info"]) == (422, {"field": "variant_code"})
    bad = api.put("products/1/variants/P0000001000A", {"quantity": "many"})
    assert bad.json()["error"]["more_info"] == {"field": "quantity"}

    deleted = api.delete("products/2/variants/P0000002000A")
    assert deleted.json() == {"variant": {"shop_no": 1, "variant_code": "P0000002000A"}}
    assert api.get("products/2/variants").json() == {"variants": []}
    assert api.post("products/1/variants", {"quantity": 1}).status_code == 404  # no POST

    assert api.delete("products/1").status_code == 200  # the product takes its variants
    assert api.get("products/1/variants").status_code == 404
    assert api.get("products/77/variants").json()["error"]["more_info"] == {"product_no": "77"}
    other = _other_mall(app, live_server, world)
    assert other.get("products/2/variants").status_code == 404
    without = _without(live_server, world, "mall.read_product")
    assert without.get("products/2/variants").json()["error"]["more_info"] == {
        "required_scope": "mall.read_product"
    }


VARIANTS = [{"variant_code": "P0000001000A"}, {"variant_code": "P0000001000B"}]


def test_variants_take_cafe24s_bulk_update(api, app, live_server, world):
    """products-variants.md "Update multiple product variants": ``PUT`` of the product's
    variants with ``{"shop_no": 1, "requests": [{"variant_code": ..., ...}]}`` (at most 100),
    each naming a variant of that product; all checked before any is written."""
    made = api.post("products", {"product_name": "Shirt", "price": 1000, "variants": VARIANTS})
    assert made.status_code == 201, made.text
    _product(api, "Scarf")
    url = "products/1/variants"
    # "Update multiple variants of the product to sold out".
    sold_out = [
        {"variant_code": "P0000001000A", "selling": "F"},
        {"variant_code": "P0000001000B", "selling": "F", "display_soldout": "T"},
    ]
    done = api.call("PUT", url, json={"shop_no": 1, "requests": sold_out})
    assert done.status_code == 200, done.text
    variants = done.json()["variants"]
    assert [(v["variant_code"], v["selling"], v["product_no"]) for v in variants] == [
        ("P0000001000A", "F", 1),
        ("P0000001000B", "F", 1),
    ]
    assert variants[1]["display_soldout"] == "T"
    assert api.get(url).json() == {"variants": variants}
    logs = api.get("activitylogs?start_date=2000-01-01&end_date=2100-12-31").json()
    assert [log["content"] for log in logs["activitylogs"][-2:]] == [
        f"Updated variant {code} of products 1 through the Admin API"
        for code in ("P0000001000A", "P0000001000B")
    ]

    to_sale = {"variant_code": "P0000001000A", "selling": "T"}
    for requests, status, more in (
        ([to_sale, {"variant_code": "P0000001000B", "quantity": "many"}], 422,
         {"field": "requests[1].quantity"}),
        ([to_sale, {"selling": "T"}], 422, {"field": "requests[1].variant_code"}),
        ([to_sale, {"variant_code": "P0000002000A", "selling": "T"}], 404,
         {"variant_code": "P0000002000A"}),  # product 2's variant
        ([to_sale] * 101, 422, {"field": "requests"}),
    ):  # fmt: skip
        refused = api.call("PUT", url, json={"shop_no": 1, "requests": requests})
        assert (refused.status_code, refused.json()["error"]["more_info"]) == (status, more)
    assert [v["selling"] for v in api.get(url).json()["variants"]] == ["F", "F"]  # unchanged
    missing = api.call("PUT", "products/9/variants", json={"requests": [to_sale]})
    assert missing.json()["error"]["more_info"] == {"product_no": "9"}
    single = api.call("PUT", url, json={"shop_no": 1, "request": to_sale})
    assert single.json()["error"]["more_info"] == {"field": "requests"}
    without = _without(live_server, world, "mall.write_product")
    refused = without.call("PUT", url, json={"requests": [to_sale]})
    assert refused.json()["error"]["more_info"] == {"required_scope": "mall.write_product"}
    # Cafe24 documents no bulk form for an order's items.
    assert api.call("PUT", "orders/1/items", json={"requests": []}).status_code == 404


# -- boards/{board_no}/articles ----------------------------------------------------------------
def test_board_articles_crud_filter_and_parent(api, app, live_server, world):
    seed(app, world.mall_id, "boards", {"board_name": "Notice"}, {"board_name": "Reviews"})
    posted = api.post("boards/1/articles", ARTICLE)
    assert posted.status_code == 201, posted.text
    # Cafe24 answers a create with the list, whether one ``request`` or ``requests`` came.
    (article,) = posted.json()["articles"]
    assert (article["article_no"], article["board_no"]) == (1, 1)
    assert {k: article[k] for k in ARTICLE} == ARTICLE
    assert "updated_date" not in article  # boards-articles.md dates an article's creation only
    (second,) = api.post("boards/2/articles", {**ARTICLE, "member_id": "jisoo"}).json()["articles"]
    api.post("boards/1/articles", {**ARTICLE, "member_id": "jisoo"})

    assert [a["article_no"] for a in api.get("boards/1/articles").json()["articles"]] == [1, 3]
    only = api.get("boards/1/articles?member_id=jisoo").json()["articles"]
    assert [a["article_no"] for a in only] == [3]
    listed = api.get("boards/1/articles?article_no=1,2").json()["articles"]
    assert [a["article_no"] for a in listed] == [1]  # article 2 is board 2's
    assert api.put("boards/1/articles/2", {"title": "x"}).status_code == 404

    # boards-articles.md, "Edit a title and contents of the article".
    edited = api.put("boards/2/articles/2", {"title": "Edited", "content": "New"})
    assert edited.json()["article"] == {**second, "title": "Edited", "content": "New"}
    assert api.delete("boards/2/articles/2").json() == {"article": {"shop_no": 1, "article_no": 2}}
    assert api.get("boards/2/articles").json() == {"articles": []}

    for body, field in (
        ({k: v for k, v in ARTICLE.items() if k != "writer"}, "writer"),
        ({**ARTICLE, "board_no": 2}, "board_no"),
        ({**ARTICLE, "rating": "five"}, "rating"),
    ):
        answer = api.post("boards/1/articles", body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["more_info"] == {"field": field}
    assert api.get("boards/1/articles?article_no=one").status_code == 422
    assert api.post("boards/9/articles", ARTICLE).json()["error"]["more_info"] == {"board_no": "9"}

    assert _other_mall(app, live_server, world).get("boards/2/articles").status_code == 404
    without = _without(live_server, world, "mall.write_community")
    assert without.post("boards/2/articles", ARTICLE).json()["error"]["more_info"] == {
        "required_scope": "mall.write_community"
    }


def test_board_articles_take_cafe24s_create_of_several(api, app):
    """boards-articles.md "Create a board post": up to 10 ``requests`` in one call, every one
    checked before any is written, the answer the list of the new articles."""
    seed(app, api.mall_id, "boards", {"board_name": "Notice"})
    two = [ARTICLE, {**ARTICLE, "title": "Second", "rating": 4}]
    made = api.call("POST", "boards/1/articles", json={"shop_no": 1, "requests": two})
    assert made.status_code == 201, made.text
    articles = made.json()["articles"]
    assert [(a["article_no"], a["title"], a["rating"]) for a in articles] == [
        (1, "Sample post", None),
        (2, "Second", 4),
    ]
    assert api.get("boards/1/articles").json()["articles"] == articles
    for requests, field in (
        ([ARTICLE, {**ARTICLE, "rating": "five"}], "requests[1].rating"),
        ([ARTICLE, {"title": "no writer"}], "requests[1].writer"),
        ([ARTICLE] * 11, "requests"),  # Cafe24: at most 10 per call
        ([], "requests"),
    ):
        refused = api.call("POST", "boards/1/articles", json={"requests": requests})
        assert refused.status_code == 422, requests
        assert refused.json()["error"]["more_info"] == {"field": field}
    assert len(api.get("boards/1/articles").json()["articles"]) == 2  # nothing written


@pytest.mark.parametrize(
    "path",
    ["boards/1/articles/x/y", "orders/1/items/x/y", "products/1/variants/count", "orders/1/x"],
)
def test_malformed_nested_paths_are_no_api(api, path):
    assert api.get(path).json()["error"]["message"] == "Cannot locate API."
