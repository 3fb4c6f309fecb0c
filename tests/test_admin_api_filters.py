"""Cafe24's list and count parameters through the live server: comma lists, ranges of dates,
since_<x>_no, flags, names, member_id, order_status, shop_no; bad values a 422 naming the
parameter, unknown ones ignored; fields= and embed=; Cafe24's limit/offset bounds per resource;
and the database planning an index for filtered lists (EXPLAIN on SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import literal

from authserver.admin_api import filters, records, reports
from authserver.admin_api.resources import REPORT, RESOURCES
from authserver.extensions import db
from authserver.models import Mall

from .admin_api_support import (
    Api,
    count_of,
    numbers_of,
    seed,
    travelling_api,
)


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    return travelling_api(app, live_server, world, configure)


@pytest.fixture
def products(api):
    rows = [
        ("Linen shirt", "T", "T"),
        ("Wool scarf", "T", "F"),
        ("Canvas tote", "F", "T"),
        ("Linen trousers", "T", "T"),
    ]
    for name, display, selling in rows:
        body = {"product_name": name, "price": "10", "display": display, "selling": selling}
        assert api.post("products", body).status_code == 201
    return api


def test_products_filters_in_lists_and_counts(products):
    """products.md "Retrieve a list of products": product_no, display, selling, since_product_no,
    product_name (a part of it, any case, comma list)."""
    api = products
    assert numbers_of(api, "products", product_no="1,3") == [1, 3]
    assert count_of(api, "products", product_no="1,3") == 2
    assert numbers_of(api, "products", display="T", selling="T") == [1, 4]
    assert count_of(api, "products", display="T", selling="T") == 2
    assert numbers_of(api, "products", since_product_no="2") == [3, 4]
    assert numbers_of(api, "products", product_name="LINEN") == [1, 4]
    assert numbers_of(api, "products", product_name="scarf,tote") == [2, 3]
    assert numbers_of(api, "products", product_name="100%_") == []  # wildcards are text
    assert numbers_of(api, "products", shop_no="1") == [1, 2, 3, 4]
    assert numbers_of(api, "products", shop_no="2") == []
    assert count_of(api, "products", shop_no="2") == 0
    assert numbers_of(api, "products", colour="red", display="F") == [3]  # unknown: ignored


@pytest.mark.parametrize(
    "name, value",
    [
        ("product_no", "1,x"),
        ("product_no", "1,,3"),
        ("product_no", ",".join(str(n) for n in range(1, 102))),
        ("display", "true"),
        ("selling", "Y"),
        ("since_product_no", "-1"),
        ("created_start_date", "yesterday"),
        ("created_end_date", "2024-02-30"),
        ("shop_no", "one"),
        ("price_min", "-1"),
        ("price_max", "1,000"),
        ("retail_price_min", "1.001"),
        ("stock_quantity_min", "many"),
        ("stock_safety_max", ""),
        ("category", "x"),
        ("use_inventory", "Y"),
        ("custom_variant_code", "a,,b"),
        ("product_tag", ",".join(["t"] * 101)),
        ("limit", "101"),
        ("offset", "5001"),
        ("fields", "product_name,colour"),
        ("embed", "items"),
    ],
)
def test_a_known_parameter_with_a_bad_value_is_422_naming_it(products, name, value):
    for path in ("products", "products/count"):
        if path.endswith("count") and name in ("limit", "offset", "fields", "embed"):
            continue
        answer = products.get(path, params={name: value})
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == 422 and name in error["message"]
        assert error["more_info"] == {"field": name}


@pytest.mark.parametrize(
    "path, name, value",
    [
        ("products", "created_start_date", "0001-01-01"),  # 0000-12-31 in UTC
        ("products", "created_end_date", "9999-12-31"),  # its end is 10000-01-01
        ("products/count", "updated_end_date", "9999-12-31"),
        ("points", "start_date", "0001-01-01"),
        ("activitylogs", "end_date", "9999-12-31"),
    ],
)
def test_a_date_no_datetime_can_hold_is_422_not_500(api, path, name, value):
    """Found by Schemathesis on points (start_date=0001-01-01): a day whose bounds in UTC fall
    outside the years 1-9999 is a 422 naming the parameter, on every resource's date filter."""
    period = {"start_date": "2024-01-01", "end_date": "2024-01-31"}
    params = {**(period if path in ("points", "activitylogs") else {}), name: value}
    answer = api.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["more_info"] == {"field": name}
    assert "out of range" in answer.json()["error"]["message"]


def test_created_date_ranges_are_days_in_the_malls_zone(api, travel):
    """created_start_date/created_end_date: whole days in the mall's zone (+09:00 here)."""
    api.post("products", {"product_name": "Old", "price": "1"})
    travel(3 * 86400)
    api.post("products", {"product_name": "New", "price": "1"})
    first, second = (p["created_date"][:10] for p in api.get("products").json()["products"])
    assert numbers_of(api, "products", created_start_date=second) == [2]
    assert numbers_of(api, "products", created_end_date=first) == [1]
    assert numbers_of(api, "products", created_start_date=first, created_end_date=second) == [1, 2]
    assert count_of(api, "products", created_start_date=second, created_end_date=second) == 1
    assert numbers_of(api, "products", created_start_date=f"{second}T23:59:59+09:00") == []


def test_orders_filters(app, api, world, travel):
    """orders.md "Retrieve a list of orders": member_id, order_status (comma lists), order_id,
    start_date/end_date."""
    api.post("products", {"product_name": "Shirt", "price": "1"})
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 1}], "order_status": "N00"},
        {"member_id": "minho", "items": [{"product_no": 1, "quantity": 1}], "order_status": "N40"},
    )
    travel(2 * 86400)
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 3}], "order_status": "N40"},
    )
    ids = numbers_of(api, "orders")
    assert numbers_of(api, "orders", member_id="jisoo") == [ids[0], ids[2]]
    assert count_of(api, "orders", member_id="jisoo") == 2
    assert numbers_of(api, "orders", member_id="jisoo,minho") == ids
    assert numbers_of(api, "orders", member_id="nobody") == []
    assert numbers_of(api, "orders", order_status="N40") == [ids[1], ids[2]]
    assert numbers_of(api, "orders", order_status="N00,N40", member_id="minho") == [ids[1]]
    assert numbers_of(api, "orders", order_id=f"{ids[2]},{ids[0]}") == [ids[0], ids[2]]
    later = ids[2][:8]
    day = f"{later[:4]}-{later[4:6]}-{later[6:]}"
    assert numbers_of(api, "orders", start_date=day) == [ids[2]]
    assert numbers_of(api, "orders", end_date=day) == ids
    wrong_day = f"19990101-{ids[0][9:]}"
    assert numbers_of(api, "orders", order_id=wrong_day) == []
    bad = api.get("orders", params={"order_id": "12345"})
    assert bad.status_code == 422 and bad.json()["error"]["more_info"] == {"field": "order_id"}


def test_orders_list_links_to_the_previous_and_next_pages(app, api, world):
    """orders.md "Retrieve a list of orders": ``links`` beside the orders, rel next/previous."""
    api.post("products", {"product_name": "Shirt", "price": "1"})
    order = {"member_id": "jisoo", "items": [{"product_no": 1, "quantity": 1}]}
    seed(app, world.mall_id, "orders", order, order, order)
    url = f"{api.base_url}/malls/{world.mall_id}/api/v2/admin/orders"
    first = api.get("orders", params={"member_id": "jisoo", "limit": 2}).json()
    assert first["links"] == [{"rel": "next", "href": f"{url}?member_id=jisoo&limit=2&offset=2"}]
    last = api.get("orders", params={"limit": 2, "offset": 2}).json()
    assert len(last["orders"]) == 1
    assert last["links"] == [{"rel": "previous", "href": f"{url}?limit=2&offset=0"}]
    assert "links" not in api.get("orders", params={"member_id": "nobody"}).json()
    assert "links" not in api.get("products").json()


def test_customers_and_carts_by_member_id(app, api, world):
    api.post("products", {"product_name": "Shirt", "price": "1"})
    seed(app, world.mall_id, "customers", {"member_id": "sampleid"}, {"member_id": "testid"})
    seed(app, world.mall_id, "carts", {"member_id": "testid", "product_no": 1, "quantity": 1})
    listed = api.get("customers", params={"member_id": "sampleid,testid"}).json()["customers"]
    assert [c["member_id"] for c in listed] == ["sampleid", "testid"]
    assert [c["member_id"] for c in api.get("customers?member_id=testid").json()["customers"]] == [
        "testid"
    ]
    (cart,) = api.get("carts", params={"member_id": "testid"}).json()["carts"]
    assert cart["product_no"] == 1
    assert api.get("carts", params={"member_id": "sampleid"}).json() == {"carts": []}


def test_fields_narrows_each_record_and_embed_adds_sub_resources(app, api, world):
    api.post("products", {"product_name": "Shirt", "price": "1"})
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 2}]},
    )
    narrowed = api.get("products", params={"fields": "product_no,price"}).json()
    assert narrowed == {"products": [{"product_no": 1, "price": "1.00"}]}
    one = api.get("products/1", params={"fields": "product_name"}).json()
    assert one == {"product": {"product_name": "Shirt"}}
    (order,) = api.get("orders").json()["orders"]
    assert "items" not in order
    (embedded,) = api.get("orders", params={"embed": "items"}).json()["orders"]
    assert embedded["items"] == [{"product_no": 1, "quantity": 2}]
    both = api.get("orders", params={"embed": "items", "fields": "order_id,items"}).json()
    assert both == {"orders": [{"order_id": order["order_id"], "items": embedded["items"]}]}


@pytest.mark.parametrize(
    "path, limit, offset",
    [
        ("products", 100, 5000),
        ("orders", 1000, 15000),
        ("brands", 100, 8000),
        ("coupons", 500, 8000),
    ],
)
def test_limit_and_offset_bounds_are_cafe24s_per_resource(api, path, limit, offset):
    assert api.get(path, params={"limit": limit, "offset": offset}).status_code == 200
    for name, value in (("limit", limit + 1), ("offset", offset + 1), ("limit", 0)):
        answer = api.get(path, params={name: value})
        assert answer.status_code == 422, (path, name)
        assert answer.json()["error"]["more_info"] == {"field": name}


def test_coupons_default_to_a_hundred_as_cafe24(api):
    for index in range(101):
        api.post("coupons", {"coupon_name": f"C{index}"})
    assert len(api.get("coupons").json()["coupons"]) == 100


def test_coupons_hide_deleted_ones_unless_asked_as_cafe24(app, api, world):
    """coupons.md, list and count: deleted "T"/"F", a comma list, DEFAULT F."""
    assert api.post("coupons", {"coupon_name": "Welcome"}).status_code == 201
    seed(app, world.mall_id, "coupons", {"coupon_name": "Gone", "deleted": "T"})  # the shop's
    assert api.post("coupons", {"coupon_name": "Summer"}).status_code == 201
    assert numbers_of(api, "coupons") == ["1", "3"]
    assert count_of(api, "coupons") == 2
    assert numbers_of(api, "coupons", deleted="T") == ["2"]
    assert count_of(api, "coupons", deleted="T") == 1
    assert numbers_of(api, "coupons", deleted="T,F") == ["1", "2", "3"]
    assert count_of(api, "coupons", deleted="F,T") == 3
    assert numbers_of(api, "coupons", coupon_no="2") == []  # a deleted one, not asked for
    for bad in ("X", "T,X", "t", "T,"):
        for path in ("coupons", "coupons/count"):
            answer = api.get(path, params={"deleted": bad})
            assert answer.status_code == 422, (path, bad)
            assert answer.json()["error"]["more_info"] == {"field": "deleted"}


def _plan(app, world, path: str, params: dict) -> str:
    """The database's plan for the filtered list, as EXPLAIN writes it."""
    with app.app_context():
        mall = db.session.query(Mall).filter_by(mall_id=world.mall_id).one()
        resource = RESOURCES[path]
        query = filters.parse(resource, params, records.time_zone())
        if resource.kind == REPORT:
            products = filters.numbers(params, "product_no")
            statement = reports.sales_select(literal(mall.id), query, products)
        else:
            statement = records.page_select(literal(mall.id), None, *query.conditions)
        connection = db.session.connection()
        compiled = statement.compile(dialect=connection.dialect)
        state = compiled.construct_expanded_state({"resource": path, "limit": 10, "offset": 0})
        if connection.dialect.name == "postgresql":
            # A near-empty table is read whole; the question is whether an index serves it.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {state.statement}", state.parameters).all()
        else:
            sql = f"EXPLAIN QUERY PLAN {state.statement}"
            # The driver binds no Decimal (SQLAlchemy's type does, in a real query).
            bound = [float(p) if isinstance(p, Decimal) else p for p in state.positional_parameters]
            rows = connection.exec_driver_sql(sql, tuple(bound)).all()
        db.session.rollback()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    "path, params, index",
    [
        # PostgreSQL, with the few rows of a test, may also walk the unique index in list order
        # and check ``lookup`` on each row it reads (seen in a whole-suite run): an index still.
        ("orders", {"member_id": "jisoo"}, "ix_admin_records_lookup|uq_"),
        ("customers", {"member_id": "sampleid"}, "ix_admin_records_lookup|uq_"),
        # SQLite takes the date index; PostgreSQL may prefer walking the unique index in the
        # list's order (record_no) under LIMIT, filtering dates on it: an index either way.
        ("products", {"created_start_date": "2024-01-01"}, "ix_admin_records_created|uq_"),
    ],
)
def test_filtered_lists_are_planned_with_an_index(app, api, world, path, params, index):
    plan = _plan(app, world, path, params)
    assert any(name in plan for name in index.split("|")), plan
    assert "Seq Scan" not in plan and "SCAN admin_records\n" not in plan + "\n", plan


def test_every_list_is_planned_with_the_malls_index(app, api, world):
    """Flags and names read data's JSON on the rows an index of (mall_pk, resource) selects."""
    plan = _plan(app, world, "products", {"display": "T", "product_name": "linen"})
    assert "INDEX" in plan.upper() and "Seq Scan" not in plan, plan
    assert "SCAN admin_records\n" not in plan + "\n", plan
    # A range over a list's elements (an EXISTS over the row's own variants): the mall's index.
    plan = _plan(app, world, "products", {"price_min": "10", "stock_quantity_min": "1"})
    assert "INDEX" in plan.upper() and "Seq Scan" not in plan, plan
    assert "SCAN admin_records\n" not in plan + "\n", plan


def test_the_sales_report_is_planned_with_the_malls_index(app, api, world):
    """The report's one SELECT joins each order's own ``items`` array to the mall's orders an
    index selects; its filters (the items' product_no, the order's flags) read those rows."""
    plan = _plan(app, world, "reports/salesvolume", {"product_no": "1,2", "mobile": "T"})
    assert "INDEX" in plan.upper() and "Seq Scan" not in plan, plan
    assert "SCAN admin_records\n" not in plan + "\n", plan
