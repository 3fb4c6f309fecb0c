"""The demo seed data as an app sees it, the hot path's reads, and concurrent creates."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from authserver import demo as demo_world
from authserver.admin_api import records
from authserver.admin_api.resources import RESOURCES
from authserver.extensions import db
from authserver.models import Mall
from authserver.platform.http import json_response

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token
from .helpers import Browser, Client, exchange


def test_demo_seeds_records_an_app_can_read(app, live_server):
    runner = app.test_cli_runner()
    with app.app_context():  # `flask` pushes one; the test runner does not
        result = runner.invoke(args=["demo", "--json"])
        assert result.exit_code == 0, result.output
        again = runner.invoke(args=["demo", "--json"])  # idempotent: seeded once
        assert again.exit_code == 0, again.output
    demo = json.loads(result.output)["app"]
    client = Client(
        demo["client_id"], demo["client_secret"], demo_world.DEMO_REDIRECT_URI, demo["scopes"]
    )

    browser = Browser(live_server, demo_world.DEMO_MALL)
    assert browser.login(demo_world.DEMO_OPERATOR, demo_world.DEMO_PASSWORD).status_code == 303
    code = browser.authorize(client)["code"]
    token = exchange(live_server, demo_world.DEMO_MALL, client, code).json()["access_token"]
    api = Api(live_server, demo_world.DEMO_MALL, token)

    products = api.get("products").json()["products"]
    assert [p["product_name"] for p in products] == ["Linen shirt", "Wool scarf", "Canvas tote"]
    orders = api.get("orders", params={"embed": "items"}).json()["orders"]
    assert len(orders) == 2 and orders[1]["items"][1] == {"product_no": 3, "quantity": 4}
    assert orders[1]["payment_amount"] == "111000.00" and orders[1]["paid"] == "F"
    assert api.get("store").json()["store"]["shop_name"] == "Demo Mall"
    assert api.get("products/count").json() == {"count": 3}
    # The seeded records are the operator's work: its activity log has them, one entry each
    # (more than a page: Cafe24's links to the next).
    period = {"start_date": "2000-01-01", "end_date": "2100-12-31"}
    logs = api.get("activitylogs", params=period).json()
    first = logs["activitylogs"][0]
    assert (first["content"], first["type"]) == ("Created category 1", "Demo data > categories")
    assert (first["manager_id"], first["manager_type"]) == (
        demo_world.DEMO_OPERATOR,
        "representative operator",
    )
    assert [link["rel"] for link in logs["links"]] == ["next"]


def test_the_hot_path_reads_answer_the_records(app, live_server, world, configure):
    """A list (on PostgreSQL read with the token, README "Performance"), a record and a count
    answer what was written; an unknown resource is a 404 in the Admin API's error shape. How
    many statements they take is not the contract (only introspection's one statement is)."""
    configure(AUTHSERVER_API_BUCKET_SIZE=1000)
    client = app_with_scopes(app, world, ALL)
    api = Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )
    for index in range(20):
        api.post("products", {"product_name": f"P{index}", "price": "1.00"})
    page = api.get("products?limit=20")
    assert page.status_code == 200
    assert [p["product_name"] for p in page.json()["products"]] == [f"P{i}" for i in range(20)]
    one = api.get("products/3")
    assert one.status_code == 200 and one.json()["product"]["product_name"] == "P2"
    assert api.get("products/count").json() == {"count": 20}
    orders = api.get("orders")
    assert orders.status_code == 200 and orders.json() == {"orders": []}
    unknown = api.get("nope")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 404


def test_a_list_is_the_json_of_its_records(app, live_server, world, configure):
    """A list is written from each record's remembered JSON text: the same bytes as the JSON of
    ``to_json`` of every record, and a changed record shows its change."""
    configure(AUTHSERVER_API_BUCKET_SIZE=1000, AUTHSERVER_TIMEZONE="America/St_Johns")
    client = app_with_scopes(app, world, ALL)
    api = Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )
    api.post("products", {"product_name": 'Chemise é \u2603 "q"', "price": 12.5})
    api.post("products", {"product_name": "Scarf", "price": "7", "display": "F"})

    def expected() -> bytes:
        with app.app_context():
            zone, resource = records.time_zone(), RESOURCES["products"]
            rows = db.session.scalars(
                db.select(records.AdminRecord)
                .join(Mall, Mall.id == records.AdminRecord.mall_pk)
                .where(Mall.mall_id == world.mall_id, records.AdminRecord.resource == "products")
                .order_by(records.AdminRecord.record_no)
            )
            items = [records.to_json(resource, row, zone) for row in rows]
            db.session.rollback()
        return json_response({"products": items}).get_data()

    for _ in range(2):  # the second from the remembered texts
        answer = api.get("products")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.content == expected()
    assert api.put("products/2", {"price": 8.25}).status_code == 200
    answer = api.get("products")
    assert answer.content == expected() and answer.json()["products"][1]["price"] == "8.25"
    assert api.get("products?offset=1").json()["products"] == answer.json()["products"][1:]


def test_concurrent_creates_get_distinct_numbers(app, live_server, world, configure):
    configure(AUTHSERVER_API_BUCKET_SIZE=1000)
    client = app_with_scopes(app, world, ALL)
    token = obtain_token(live_server, world.mall_id, client)["access_token"]

    def create(index):
        api = Api(live_server, world.mall_id, token)
        return api.post("products", {"product_name": f"P{index}", "price": 1})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(create, range(16)))
    assert [a.status_code for a in answers] == [201] * 16
    numbers = sorted(a.json()["product"]["product_no"] for a in answers)
    assert numbers == list(range(1, 17))
