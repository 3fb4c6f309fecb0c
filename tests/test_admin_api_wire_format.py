"""Cafe24's wire format through the live server: "T"/"F" flags, money as decimal strings, dates
in the mall's zone, Cafe24's keys (brand_code, supplier_code, order_id, member_id, skin_no),
Cafe24's example bodies accepted, unknown fields refused by name, and the bulk form."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from authserver.admin_api import records
from authserver.extensions import db
from authserver.models import Mall

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed

ORDER = {"member_id": "sampleid", "items": [{"product_no": 1, "quantity": 2}]}


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000, AUTHSERVER_TIMEZONE="Asia/Seoul")
    client = app_with_scopes(app, world, ALL)
    token = obtain_token(live_server, world.mall_id, client)
    return Api(live_server, world.mall_id, token["access_token"])


def _created(app, world, resource: str, number: int) -> datetime:
    with app.app_context():
        mall = db.session.query(Mall).filter_by(mall_id=world.mall_id).one()
        row = db.session.scalars(
            db.select(records.AdminRecord).filter_by(
                mall_pk=mall.id, resource=resource, record_no=number
            )
        ).one()
        return row.created_date


def test_flags_are_t_or_f_and_booleans_are_read_as_them(api):
    made = api.post(
        "products", {"product_name": "Shirt", "price": "1100", "display": "T", "selling": True}
    )
    assert made.status_code == 201, made.text
    product = made.json()["product"]
    assert (product["display"], product["selling"]) == ("T", "T")
    assert api.put("products/1", {"selling": "F"}).json()["product"]["selling"] == "F"
    for bad in ("yes", "t", 1, ""):
        answer = api.put("products/1", {"display": bad})
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["more_info"] == {"field": "display"}


@pytest.mark.parametrize(
    "sent, shown",
    [("1100.00", "1100.00"), ("1100", "1100.00"), ("1100.5", "1100.50"), (1100, "1100.00")]
    + [(39000.75, "39000.75"), ("0", "0.00")],
)
def test_money_is_a_decimal_string_from_a_string_or_a_number(api, sent, shown):
    made = api.post("products", {"product_name": "Shirt", "price": sent, "supply_price": sent})
    assert made.status_code == 201, made.text
    assert made.json()["product"]["price"] == shown
    assert api.get("products/1").json()["product"]["supply_price"] == shown


@pytest.mark.parametrize("bad", ["1,100", "1100.001", "-1", "abc", True, [], "1e3", -5])
def test_bad_money_is_422_naming_the_field(api, bad):
    answer = api.post("products", {"product_name": "Shirt", "price": bad})
    assert answer.status_code == 422
    assert answer.json()["error"]["more_info"] == {"field": "price"}


@pytest.mark.parametrize(
    "category", [[{"category_no": 1, "name": "a\x00b"}], [{"a\x00": 1}], ["\ud8df"]]
)
def test_unstorable_text_inside_a_json_field_is_422_and_reads_still_work(api, category):
    """A NUL or a lone surrogate anywhere in a record made PostgreSQL refuse every filtered
    read of the resource (a 500 Schemathesis found); it is refused on the way in instead."""
    answer = api.post("products", {"product_name": "Shirt", "price": "1", "category": category})
    assert answer.status_code == 422
    assert answer.json()["error"]["more_info"]["field"].startswith("category")
    assert api.get("products/count", params={"display": "T"}).status_code == 200


@pytest.mark.parametrize("zone, offset", [("Asia/Seoul", "+09:00"), ("America/St_Johns", "-03:30")])
def test_dates_carry_the_offset_of_the_malls_zone(api, configure, zone, offset):
    configure(AUTHSERVER_TIMEZONE=zone)
    product = api.post("products", {"product_name": "Shirt", "price": "1"}).json()["product"]
    for name in ("created_date", "updated_date"):
        assert product[name].endswith(offset)
        assert len(product[name]) == len("2024-01-31T09:00:00+09:00")
        datetime.fromisoformat(product[name])


def test_brands_and_suppliers_are_keyed_by_their_codes(api):
    """brands.md "Create a brand" example body, then "Update a brand" by brand_code."""
    made = api.call(
        "POST",
        "brands",
        json={
            "shop_no": 1,
            "request": {
                "brand_name": "Sample Brand",
                "use_brand": "T",
                "search_keyword": "keyword",
            },
        },
    )
    assert made.status_code == 201, made.text
    brand = made.json()["brand"]
    assert brand["brand_code"] == "B0000001" and "brand_no" not in brand
    assert brand["use_brand"] == "T" and brand["search_keyword"] == "keyword"
    assert api.put("brands/B0000001", {"use_brand": "F"}).json()["brand"]["use_brand"] == "F"
    assert api.put("brands/B0000002", {"use_brand": "F"}).status_code == 404
    assert api.put("brands/1", {"use_brand": "F"}).status_code == 404
    assert api.delete("brands/B0000001").json() == {
        "brand": {"shop_no": 1, "brand_code": "B0000001"}
    }

    for _ in range(10):
        api.post("suppliers", {"supplier_name": "Hanok"})
    supplier = api.get("suppliers/S000000A").json()["supplier"]
    assert supplier["supplier_code"] == "S000000A"  # the tenth, in base 36 as Cafe24's codes
    assert api.get("suppliers/B000000A").status_code == 404


def test_orders_are_keyed_by_order_id_from_day_and_number(app, api, world, configure):
    api.post("products", {"product_name": "Shirt", "price": "1"})
    seed(app, world.mall_id, "orders", ORDER, ORDER)
    created = _created(app, world, "orders", 2)
    day = created.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y%m%d")
    order_id = f"{day}-0000002"
    orders = api.get("orders").json()["orders"]
    assert [o["order_id"] for o in orders][1] == order_id
    order = api.get(f"orders/{order_id}").json()["order"]
    assert order["order_id"] == order_id and "order_no" not in order
    assert order["created_date"].endswith("+09:00")
    assert api.get("orders/19990101-0000002").status_code == 404  # the day must match
    assert api.get("orders/2").status_code == 404
    assert api.get(f"orders/{day}-0000009").status_code == 404
    changed = api.put(f"orders/{order_id}", {"order_status": "N40", "paid": "T"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["order"]["paid"] == "T"


def test_customers_are_keyed_by_member_id(app, api, world):
    """customers.md "Delete an account": DELETE /customers/{member_id}."""
    seed(app, world.mall_id, "customers", {"member_id": "sampleid", "total_points": "0.00"})
    (customer,) = api.get("customers", params={"member_id": "sampleid"}).json()["customers"]
    assert customer["member_id"] == "sampleid" and customer["total_points"] == "0.00"
    assert api.delete("customers/sampleid").json() == {
        "customer": {"shop_no": 1, "member_id": "sampleid"}
    }
    assert api.delete("customers/sampleid").status_code == 404


def test_themes_are_keyed_by_skin_no(app, api, world):
    seed(app, world.mall_id, "themes", {"skin_name": "Basic", "skin_code": "skin1"})
    theme = api.get("themes/1").json()["theme"]
    assert theme["skin_no"] == 1 and theme["skin_code"] == "skin1"


def test_unknown_fields_are_422_naming_them_and_shop_no_in_request_is_accepted(api):
    answer = api.post("products", {"product_name": "x", "price": "1", "colour": "red"})
    assert answer.status_code == 422
    assert answer.json()["error"]["more_info"] == {"field": "colour"}
    made = api.post("products", {"shop_no": 1, "product_name": "x", "price": "1"})
    assert made.status_code == 201, made.text
    wrong_shop = api.post("products", {"shop_no": 2, "product_name": "x", "price": "1"})
    assert wrong_shop.json()["error"]["more_info"] == {"field": "shop_no"}


def test_apps_put_takes_cafe24s_example_body(api):
    """apps.md "Update an app information": a body without shop_no."""
    body = {"request": {"version": "2019-12-11", "extension_type": "section"}}
    answer = api.call("PUT", "apps", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["app"]["version"] == "2019-12-11"
    assert answer.json()["app"]["extension_type"] == "section"


def test_orders_take_cafe24s_bulk_update(app, api, world):
    """orders.md: PUT /orders with {"shop_no": 1, "requests": [...]}; all or nothing."""
    api.post("products", {"product_name": "Shirt", "price": "1"})
    seed(app, world.mall_id, "orders", ORDER, ORDER)
    first, second = (o["order_id"] for o in api.get("orders").json()["orders"])
    bad = api.call(
        "PUT",
        "orders",
        json={"shop_no": 1, "requests": [{"order_id": first, "paid": "T"}, {"order_id": second}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["more_info"] == {
        "field": "requests[1].request"
    }
    wrong = api.call("PUT", "orders", json={"requests": [{"order_id": first, "paid": "maybe"}]})
    assert wrong.json()["error"]["more_info"] == {"field": "requests[0].paid"}
    assert [o["paid"] for o in api.get("orders").json()["orders"]] == [None, None]
    done = api.call(
        "PUT",
        "orders",
        json={
            "shop_no": 1,
            "requests": [
                {"order_id": first, "paid": "T"},
                {"order_id": second, "order_status": "N40"},
            ],
        },
    )
    assert done.status_code == 200, done.text
    assert [o["order_id"] for o in done.json()["orders"]] == [first, second]
    listed = api.get("orders").json()["orders"]
    assert listed[0]["paid"] == "T" and listed[1]["order_status"] == "N40"
    missing = api.call(
        "PUT", "orders", json={"requests": [{"order_id": "20000101-0000001", "paid": "T"}]}
    )
    assert missing.status_code == 404
