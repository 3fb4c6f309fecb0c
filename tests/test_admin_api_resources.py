"""Admin API records through the live server: CRUD per resource, paging, count, store, sales
volume, per-mall and per-app data, and bad input (400/422) that writes nothing."""

from __future__ import annotations

import pytest

from authserver.admin_api.resources import RESOURCES
from authserver.extensions import db
from authserver.models import Developer

from .admin_api_support import ALL, Api, api_url, app_with_scopes, obtain_token, seed
from .helpers import add_mall

#: collection -> (singular, a valid create body, an update body): the resources Cafe24 lets an
#: app create (categories, products, brands, suppliers, coupons, sms).
SAMPLES = {
    "categories": ("category", {"category_name": "Shoes"}, {"display_type": "B"}),
    "products": ("product", {"product_name": "Shirt", "price": "39000.00"}, {"price": "35000.50"}),
    "brands": ("brand", {"brand_name": "Acme"}, {"use_brand": "F"}),
    "suppliers": ("supplier", {"supplier_name": "Hanok"}, {"commission": "12.00"}),
    "coupons": ("coupon", {"coupon_name": "Welcome"}, {"benefit_percentage": "10.0"}),
    "sms": ("sms", {"sender_no": 1, "content": "Hello", "recipients": ["jisoo"]}, None),
}
#: Resources Cafe24 offers no create for, as stored by the mall (``seed``), and an update.
SEEDED = {
    "orders": (
        "order",
        {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 2}]},
        {"order_status": "N40"},
    ),
    "boards": ("board", {"board_name": "Reviews"}, {"board_type": 5}),
    "customers": ("customer", {"member_id": "minho", "email": "m@example.com"}, None),
    "carts": ("cart", {"member_id": "jisoo", "product_no": 1, "quantity": 2}, None),
    "themes": ("theme", {"skin_name": "Basic"}, None),
}


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ALL)
    token = obtain_token(live_server, world.mall_id, client)
    world.extra["all_client"] = client
    return Api(live_server, world.mall_id, token["access_token"])


def _product(api: Api, **fields) -> dict:
    body = {"product_name": "Tote", "price": "18000.00", **fields}
    answer = api.post("products", body)
    assert answer.status_code == 201, answer.text
    return answer.json()["product"]


@pytest.mark.parametrize("path", sorted(SAMPLES))
def test_crud_of_every_resource_an_app_may_create(api, path):
    resource = RESOURCES[path]
    singular, created, changed = SAMPLES[path]
    key_name = resource.number_field

    answer = api.post(path, created)
    assert answer.status_code == 201, answer.text
    record = answer.json()[singular]
    if resource.create_answer is not None:  # Cafe24 shows only these (sms: queue_code)
        assert set(record) == resource.create_answer
        return
    assert record["shop_no"] == 1
    assert record["created_date"] and record["updated_date"]
    for name, value in created.items():
        assert record[name] == value
    key = record[key_name]
    if "get" in resource.actions:
        assert api.get(f"{path}/{key}").json() == {singular: record}
    if "list" in resource.actions:
        assert api.get(path).json() == {path: [record]}
    if "count" in resource.actions:
        assert api.get(f"{path}/count").json() == {"count": 1}
    if "update" in resource.actions:
        updated = api.put(f"{path}/{key}", changed)
        assert updated.status_code == 200, updated.text
        for name, value in {**created, **changed}.items():
            assert updated.json()[singular][name] == value
    if "delete" in resource.actions:
        deleted = api.delete(f"{path}/{key}")
        assert deleted.status_code == 200
        assert deleted.json() == {singular: {"shop_no": 1, key_name: key}}
        assert api.get(f"{path}/count").json() == {"count": 0}
        assert api.put(f"{path}/{key}", changed).status_code == 404
        assert api.delete(f"{path}/{key}").status_code == 404


@pytest.mark.parametrize("path", sorted(SEEDED))
def test_resources_the_mall_fills_are_read_and_changed_as_cafe24_allows(app, api, world, path):
    resource = RESOURCES[path]
    singular, created, changed = SEEDED[path]
    _product(api)  # carts and orders refer to product 1
    seed(app, world.mall_id, path, created)
    listed = api.get(path, params={"member_id": "jisoo"} if path == "carts" else None)
    assert listed.status_code == 200, listed.text
    (record,) = listed.json()[path]
    for name, value in created.items():
        if name != "items":  # an order's items are embedded on request (embed=items)
            assert record[name] == value
    key = record[resource.number_field]
    if "get" in resource.actions:
        assert api.get(f"{path}/{key}").json() == {singular: record}
    if "update" in resource.actions:
        updated = api.put(f"{path}/{key}", changed)
        assert updated.status_code == 200, updated.text
        for name, value in changed.items():
            assert updated.json()[singular][name] == value
    if "delete" in resource.actions:
        deleted = api.delete(f"{path}/{key}").json()
        assert deleted == {singular: {"shop_no": 1, resource.number_field: key}}
        assert api.get(path).json() == {path: []}


#: boards.md, "Update the board settings": a part of the example's request.
BOARD_SETTINGS = {
    "comment_author_display": "U",
    "comment_author_protection": {"is_use": "T", "author_name_type": "count",
                                  "partial_character_display": "1",
                                  "alternative_text_display": "Alternative comment author name"},
    "spam_auto_prevention": {"apply_scope": ["post_actions", "comment"], "member_scope": "N"},
    "write_permission": "G",
    "write_member_group_no": [1, 2],
    "reply_member_group_no": [3, 4],
    "author_display": "I",
    "admin_title_fixed": {"is_use": "T", "admin_title_list": ["first", "second", "third"],
                          "staff_skip_post_title": "T"},
    "input_form": {"is_use": "T", "input_form_title": ["first"], "enable_input_form_title": ["T"]},
}  # fmt: skip


def test_boards_keep_cafe24s_settings_and_answer_a_put_as_cafe24(app, api, world):
    """boards.md: every documented setting is stored and shown; no dates; the PUT's answer is
    the board without ``use_report`` and ``use_writer_block``, as Cafe24's example."""
    seed(app, world.mall_id, "boards", {"board_name": "Notice", "use_report": "T"})
    (board,) = api.get("boards").json()["boards"]
    assert board["write_permission_extra"] is None and board["use_report"] == "T"
    assert "created_date" not in board and "updated_date" not in board
    changed = api.put("boards/1", BOARD_SETTINGS)
    assert changed.status_code == 200, changed.text
    answer = changed.json()["board"]
    assert {k: answer[k] for k in BOARD_SETTINGS} == BOARD_SETTINGS
    assert set(board) - set(answer) == {"use_report", "use_writer_block"}
    assert api.get("boards/1").json()["board"] == {**answer, "use_report": "T",
                                                   "use_writer_block": None}  # fmt: skip
    for wrong, field in (
        ({"write_member_group_no": ["one"]}, "write_member_group_no[0]"),
        ({"input_form": ["T"]}, "input_form"),
    ):
        refused = api.put("boards/1", wrong)
        assert refused.status_code == 422
        assert refused.json()["error"]["more_info"] == {"field": field}


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


def test_store_is_one_object_apps_read(api, world):
    store = api.get("store")
    assert store.status_code == 200
    assert store.json()["store"]["mall_id"] == world.mall_id
    assert store.json()["store"]["shop_name"] == world.mall_id
    assert store.json()["store"]["shop_no"] == 1
    for method, path in [("PUT", "store"), ("POST", "store"), ("DELETE", "store")]:
        answer = api.call(method, path, {"shop_name": "x"} if method != "DELETE" else None)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "Cannot locate API."
    assert api.get("store/1").status_code == 404


def test_sales_volume_sums_item_quantities_per_product(app, api, world):
    for _ in range(3):
        _product(api)
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 2}]},
        {
            "member_id": "b",
            "items": [{"product_no": 1, "quantity": 1}, {"product_no": 3, "quantity": 4}],
        },
    )
    report = api.get("reports/salesvolume")
    assert report.status_code == 200
    assert report.json() == {
        "salesvolume": [
            {"shop_no": "1", "product_no": 1, "total_sales": "3", "settle_count": "2"},
            {"shop_no": "1", "product_no": 3, "total_sales": "4", "settle_count": "1"},
        ]
    }
    assert api.get("reports/salesvolume", params={"limit": 1, "offset": 1}).json() == {
        "salesvolume": [{"shop_no": "1", "product_no": 3, "total_sales": "4", "settle_count": "1"}]
    }
    assert api.get("reports/salesvolume", params={"product_no": "3"}).json() == {
        "salesvolume": [{"shop_no": "1", "product_no": 3, "total_sales": "4", "settle_count": "1"}]
    }
    order_id = api.get("orders").json()["orders"][0]["order_id"]
    api.put(f"orders/{order_id}", {"items": [{"product_no": 3, "quantity": 1}]})
    assert [row["total_sales"] for row in api.get("reports/salesvolume").json()["salesvolume"]] == [
        "1",
        "5",
    ]


def test_coupons_take_cafe24s_create_fields_and_a_string_coupon_no(api):
    """coupons.md "Create a coupon": its fields kept as sent; coupon_no a string, as Cafe24's."""
    body = {
        "coupon_name": "Special Discount Coupon",
        "benefit_type": "A",
        "available_site": ["W", "M", "P"],
        "available_payment_method": ["all"],
        "available_product_list": [1, 2],
        "discount_amount": {"benefit_price": "3.00"},
        "issue_order_path": {"W": "T", "M": "F", "P": "F"},
        "available_coupon_count_by_order": 1,
        "issue_reserved": "F",
    }
    created = api.post("coupons", body)
    assert created.status_code == 201, created.text
    coupon = created.json()["coupon"]
    assert coupon["coupon_no"] == "1"
    assert {name: coupon[name] for name in body} == body
    # Cafe24's DEFAULTs for what the request left out; what its shop sets, as a new coupon's.
    defaults = {"available_scope": "O", "available_product": "U", "deleted": "F"}
    assert {name: coupon[name] for name in defaults} == defaults
    assert (coupon["issued_count"], coupon["benefit_text"]) == ("0", None)
    assert api.get("coupons/count?deleted=F").json() == {"count": 1}
    assert api.get("coupons?coupon_no=1").json()["coupons"] == [coupon]
    assert api.put("coupons/1", {"status": "pause"}).json()["coupon"]["coupon_no"] == "1"
    # What Cafe24's shop sets is refused by name; so is authserver's former benefit_amount.
    for name, value in (("issued_count", "3"), ("benefit_amount", "1.00")):
        bad = api.post("coupons", {"coupon_name": "x", name: value})
        assert (bad.status_code, bad.json()["error"]["more_info"]) == (422, {"field": name})


def test_sms_goes_to_recipients_member_ids_or_a_group(api):
    """sms.md "Send a SMS": Cafe24's example sends to member_id alone; one target is needed."""
    sent = api.post("sms", {"sender_no": 2, "content": "Hi", "member_id": ["test1", "test2"]})
    assert sent.status_code == 201, sent.text
    # Cafe24's answer: the queue code alone, a string (Q and the number in 7 base-36 digits).
    assert sent.json() == {"sms": {"queue_code": "Q0000001"}}
    again = api.post("sms", {"sender_no": 2, "content": "Hi", "group_no": 1})
    assert again.json() == {"sms": {"queue_code": "Q0000002"}}
    none = api.post("sms", {"sender_no": 2, "content": "Hi"})
    assert none.status_code == 422
    assert none.json()["error"]["more_info"] == {"field": "recipients"}
    assert "one of recipients, member_id, group_no" in none.json()["error"]["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"price": 100}, "product_name"),
        ({"product_name": "x"}, "price"),
        ({"product_name": 5, "price": 1}, "product_name"),
        ({"product_name": "x", "price": "100.001"}, "price"),
        ({"product_name": "x", "price": "1,100"}, "price"),
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


def test_order_items_are_checked(app, api, world):
    _product(api)
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 1}]},
    )
    order_id = api.get("orders").json()["orders"][0]["order_id"]
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
        answer = api.put(f"orders/{order_id}", {"items": items})
        assert answer.status_code == 422, (items, answer.text)
        assert answer.json()["error"]["more_info"] == {"field": field}
    embedded = api.get(f"orders/{order_id}", params={"embed": "items"}).json()["order"]
    assert embedded["items"] == [{"product_no": 1, "quantity": 1}]


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


def test_apps_is_one_object_per_app(app, api, live_server, world):
    """Cafe24's apps.md: GET and PUT /apps, the calling app's information."""
    assert api.get("apps").json() == {
        "app": {
            "version": None,
            "version_expiration_date": None,
            "initial_version": None,
            "previous_version": None,
            "extension_type": None,
        }
    }
    changed = api.put("apps", {"version": "2019-12-11", "extension_type": "section"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["app"]["version"] == "2019-12-11"
    assert api.get("apps").json() == changed.json()
    assert api.post("apps", {"version": "1"}).status_code == 404
    second = app_with_scopes(app, world, ["mall.read_application", "mall.write_application"], "B")
    other = Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, second)["access_token"]
    )
    assert other.get("apps").json()["app"]["version"] is None
    assert other.put("apps", {"version": "2020-03-01"}).status_code == 200
    assert api.get("apps").json()["app"]["version"] == "2019-12-11"


def test_head_is_get(api):
    _product(api)
    answer = api.call("HEAD", "products/1")
    assert answer.status_code == 200 and answer.text == ""


def test_coupon_management_deletes_a_coupon_with_cafe24s_d(api):
    """coupons.md "Coupon management": deleted "D" deletes; the list then hides it (DEFAULT F)
    and answers it as deleted "T" when asked for deleted=T. Other values are refused by name."""
    for name in ("Welcome", "Summer"):
        assert api.post("coupons", {"coupon_name": name}).status_code == 201
    for bad in ("X", "d", "DD", "", 1, ["D"]):
        refused = api.put("coupons/1", {"deleted": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["more_info"] == {"field": "deleted"}
    assert 'deleted must be "T", "F" or "D".' in refused.json()["error"]["message"]
    # Cafe24's own example: a status change with "deleted": null deletes nothing.
    paused = api.put("coupons/1", {"status": "pause", "deleted": None})
    assert (paused.status_code, paused.json()["coupon"]["deleted"]) == (200, "F")
    assert [c["coupon_no"] for c in api.get("coupons").json()["coupons"]] == ["1", "2"]
    deleted = api.put("coupons/1", {"status": None, "deleted": "D"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["coupon"]["deleted"] == "T"
    assert [c["coupon_no"] for c in api.get("coupons").json()["coupons"]] == ["2"]
    assert api.get("coupons/count").json() == {"count": 1}
    gone = api.get("coupons", params={"deleted": "T"}).json()["coupons"]
    assert [(c["coupon_no"], c["deleted"]) for c in gone] == [("1", "T")]
    # ... and a later null leaves it deleted.
    assert api.put("coupons/1", {"deleted": None}).json()["coupon"]["deleted"] == "T"
