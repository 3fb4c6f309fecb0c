"""Admin API records through the live server: CRUD per resource, paging, count, store, sales
volume, per-mall and per-app data, and bad input (400/422) that writes nothing."""

from __future__ import annotations

import pytest

from authserver.extensions import db
from authserver.models import Developer

from .admin_api_support import ALL, Api, api_url, app_with_scopes, obtain_token
from .helpers import add_mall

#: collection -> (singular, a valid create body, an update body)
SAMPLES = {
    "categories": ("category", {"category_name": "Shoes"}, {"display_type": "B"}),
    "products": ("product", {"product_name": "Shirt", "price": 39000}, {"price": 35000.5}),
    "brands": ("brand", {"brand_name": "Acme"}, {"use_brand": False}),
    "suppliers": ("supplier", {"supplier_name": "Hanok"}, {"commission": 12}),
    "carts": ("cart", {"member_id": "jisoo", "product_no": 1, "quantity": 2}, {"quantity": 3}),
    "orders": (
        "order",
        {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 2}]},
        {"order_status": "shipped"},
    ),
    "boards": ("board", {"board_name": "Reviews"}, {"board_type": "review"}),
    "customers": ("customer", {"member_id": "minho", "email": "m@example.com"}, {"name": "Minho"}),
    "sms": ("sms", {"sender_no": 1, "content": "Hello", "recipients": ["jisoo"]}, {"type": "LMS"}),
    "coupons": ("coupon", {"coupon_name": "Welcome"}, {"benefit_percentage": 10}),
    "themes": ("theme", {"skin_name": "Basic"}, {"language_code": "en_US"}),
    "apps": ("app", {"version": "2026-01-01"}, {"extension_type": "section"}),
}


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ALL)
    token = obtain_token(live_server, world.mall_id, client)
    world.extra["all_client"] = client
    return Api(live_server, world.mall_id, token["access_token"])


def _product(api: Api, **fields) -> dict:
    body = {"product_name": "Tote", "price": 18000, **fields}
    answer = api.post("products", body)
    assert answer.status_code == 201, answer.text
    return answer.json()["product"]


@pytest.mark.parametrize("path", sorted(SAMPLES))
def test_crud_of_every_collection(api, path):
    singular, created, changed = SAMPLES[path]
    number_field = f"{singular}_no"
    if path != "products":
        _product(api)  # carts and orders refer to product 1

    answer = api.post(path, created)
    assert answer.status_code == 201, answer.text
    record = answer.json()[singular]
    assert record[number_field] == 1
    assert record["shop_no"] == 1
    assert record["created_date"] and record["updated_date"]
    for name, value in created.items():
        assert record[name] == value
    number = record[number_field]

    assert api.get(f"{path}/{number}").json() == {singular: record}
    listed = api.get(path)
    assert listed.status_code == 200
    assert listed.json() == {path: [record]}
    assert api.get(f"{path}/count").json() == {"count": 1}

    updated = api.put(f"{path}/{number}", changed)
    assert updated.status_code == 200, updated.text
    for name, value in {**created, **changed}.items():
        assert updated.json()[singular][name] == value
    assert api.get(f"{path}/{number}").json() == updated.json()

    deleted = api.delete(f"{path}/{number}")
    assert deleted.status_code == 200
    assert deleted.json() == {singular: {"shop_no": 1, number_field: number}}
    gone = api.get(f"{path}/{number}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == 404
    assert api.get(f"{path}/count").json() == {"count": 0}
    assert api.put(f"{path}/{number}", changed).status_code == 404
    assert api.delete(f"{path}/{number}").status_code == 404


def test_record_numbers_are_never_reused(api):
    first, second = _product(api), _product(api)
    assert (first["product_no"], second["product_no"]) == (1, 2)
    api.delete("products/2")
    assert _product(api)["product_no"] == 3


def test_paging_and_count(api):
    for index in range(12):
        _product(api, product_name=f"P{index}")
    assert api.get("products/count").json() == {"count": 12}
    page = api.get("products").json()["products"]
    assert [p["product_no"] for p in page] == list(range(1, 11))  # default limit 10
    page = api.get("products", params={"limit": 5, "offset": 10}).json()["products"]
    assert [p["product_no"] for p in page] == [11, 12]
    assert len(api.get("products", params={"limit": 100}).json()["products"]) == 12
    assert api.get("products", params={"offset": 50}).json() == {"products": []}


@pytest.mark.parametrize(
    "params, name",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "1.5"}, "offset"),
        ({"offset": "99999999999999999999"}, "offset"),
    ],
)
def test_bad_paging_is_422_naming_the_parameter(api, params, name):
    answer = api.get("products", params=params)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == 422
    assert name in error["message"]
    assert error["more_info"] == {"field": name}


def test_store_is_one_object(api, world):
    store = api.get("store")
    assert store.status_code == 200
    assert store.json()["store"]["mall_id"] == world.mall_id
    assert store.json()["store"]["shop_name"] == world.mall_id
    assert store.json()["store"]["shop_no"] == 1

    changed = api.put("store", {"shop_name": "Seoul Shop", "email": "shop@example.com"})
    assert changed.status_code == 200
    assert changed.json()["store"]["shop_name"] == "Seoul Shop"
    again = api.put("store", {"phone": "02-123-4567"}).json()["store"]
    assert again["shop_name"] == "Seoul Shop" and again["phone"] == "02-123-4567"
    assert api.get("store").json()["store"] == again

    for method, path in [("POST", "store"), ("DELETE", "store"), ("GET", "store/1")]:
        answer = api.call(method, path, {"shop_name": "x"} if method == "POST" else None)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "Cannot locate API."


def test_sales_volume_sums_item_quantities_per_product(api):
    for _ in range(3):
        _product(api)
    api.post("orders", {"member_id": "a", "items": [{"product_no": 1, "quantity": 2}]})
    api.post(
        "orders",
        {
            "member_id": "b",
            "items": [{"product_no": 1, "quantity": 1}, {"product_no": 3, "quantity": 4}],
        },
    )
    report = api.get("reports/salesvolume")
    assert report.status_code == 200
    assert report.json() == {
        "salesvolume": [
            {"shop_no": 1, "product_no": 1, "total_sales": 3, "settle_count": 2},
            {"shop_no": 1, "product_no": 3, "total_sales": 4, "settle_count": 1},
        ]
    }
    assert api.get("reports/salesvolume", params={"limit": 1, "offset": 1}).json() == {
        "salesvolume": [{"shop_no": 1, "product_no": 3, "total_sales": 4, "settle_count": 1}]
    }
    api.put("orders/1", {"items": [{"product_no": 3, "quantity": 1}]})
    assert [row["total_sales"] for row in api.get("reports/salesvolume").json()["salesvolume"]] == [
        1,
        5,
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"price": 100}, "product_name"),
        ({"product_name": "x"}, "price"),
        ({"product_name": 5, "price": 1}, "product_name"),
        ({"product_name": "x", "price": "100"}, "price"),
        ({"product_name": "x", "price": True}, "price"),
        ({"product_name": "x", "price": -1}, "price"),
        ({"product_name": "x", "price": 1e300}, "price"),
        ({"product_name": "x" * 256, "price": 1}, "product_name"),
        ({"product_name": "x\u0000", "price": 1}, "product_name"),
        ({"product_name": None, "price": 1}, "product_name"),
        ({"product_name": "x", "price": 1, "colour": "red"}, "colour"),
        ({"product_name": "x", "price": 1, "product_no": 7}, "product_no"),
        ({"product_name": "x", "price": 1, "display": "yes"}, "display"),
        ([{"product_name": "x"}], "request"),
    ],
)
def test_invalid_fields_are_422_naming_the_field_and_write_nothing(api, body, field):
    answer = api.post("products", body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert field in error["message"]
    assert error["more_info"] == {"field": field}
    assert api.get("products/count").json() == {"count": 0}


def test_order_items_are_checked(api):
    _product(api)
    cases = [
        ([], "items"),
        ([{"product_no": 1}], "items[0]"),
        ([{"product_no": 1, "quantity": 0}], "items[0].quantity"),
        (
            [{"product_no": 1, "quantity": 1}, {"product_no": 2, "quantity": 1}],
            "items[1].product_no",
        ),
        ([{"product_no": 10**12, "quantity": 1}], "items[0].product_no"),
    ]
    for items, field in cases:
        answer = api.post("orders", {"member_id": "a", "items": items})
        assert answer.status_code == 422, (items, answer.text)
        assert answer.json()["error"]["more_info"] == {"field": field}
    assert api.post("carts", {"member_id": "a", "product_no": 9, "quantity": 1}).status_code == 422
    assert api.get("orders/count").json() == {"count": 0}
    assert api.get("carts/count").json() == {"count": 0}


def test_malformed_bodies_write_nothing(api, world, live_server):
    url = api_url(live_server, world.mall_id, "products")
    post = api.session.post
    json_type = {"Content-Type": "application/json"}
    for raw in [b"{", b"not json", b'{"request": {"price": NaN}}', b"\xff\xfe", b"[" * 100_000]:
        answer = post(url, data=raw, headers=json_type)
        assert answer.status_code == 400, raw[:20]
        assert answer.json()["error"]["code"] == 400
    form = post(url, data={"request": "x"})
    assert form.status_code == 400
    assert "Content-Type" in form.json()["error"]["message"]
    for body, field in [
        ([], "body"),
        ({"shop_no": 1}, "request"),
        ({"shop_no": 2, "request": {"product_name": "x", "price": 1}}, "shop_no"),
        ({"shop_no": True, "request": {"product_name": "x", "price": 1}}, "shop_no"),
    ]:
        answer = post(url, json=body)
        assert answer.status_code == 422
        assert answer.json()["error"]["more_info"] == {"field": field}
    surrogate = b'{"request": {"product_name": "\\ud800", "price": 1}}'
    assert post(url, data=surrogate, headers=json_type).status_code == 422
    _product(api)
    assert api.put("products/1", {}).status_code == 422
    assert api.call("PUT", "products/1", data=b"{", headers=json_type).status_code == 400
    assert api.get("products/1").json()["product"]["product_name"] == "Tote"
    assert api.get("products/count").json() == {"count": 1}


def test_records_belong_to_their_mall(app, api, live_server, world):
    _product(api, product_name="Only in testmall")
    with app.app_context():
        developer = db.session.query(Developer).filter_by(email=world.developer).one()
        add_mall("othermall", test_mall_of=developer)
    token = obtain_token(live_server, "othermall", world.extra["all_client"])
    other = Api(live_server, "othermall", token["access_token"])
    assert other.get("products").json() == {"products": []}
    assert other.get("products/1").status_code == 404
    assert _product(other)["product_no"] == 1  # numbering is per mall
    assert api.get("products/count").json() == {"count": 1}


def test_apps_records_belong_to_the_app(app, api, live_server, world):
    assert api.post("apps", {"version": "1"}).status_code == 201
    second = app_with_scopes(app, world, ["mall.read_application", "mall.write_application"], "B")
    other = Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, second)["access_token"]
    )
    assert other.get("apps").json() == {"apps": []}
    assert other.get("apps/1").status_code == 404
    assert other.get("apps/count").json() == {"count": 0}
    assert api.get("apps/count").json() == {"count": 1}


def test_head_is_get(api):
    _product(api)
    answer = api.call("HEAD", "products/1")
    assert answer.status_code == 200 and answer.text == ""
