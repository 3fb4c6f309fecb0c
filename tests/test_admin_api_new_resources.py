"""The resources added for Cafe24 apps (issue 18, point 5) through the live server: scripttags,
customersprivacy, customergroups, points, dashboard and activitylogs. For each: the 404 without
its scope, the methods Cafe24 documents (and no others), per-mall data, count, a filter, and bad
input answered 422 naming the field. Examples come from cafe24_chapters/<resource>.md of the
public mirror noston/cafe24-api-spec."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from authserver import scopes
from authserver.extensions import db
from authserver.models import Developer

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed
from .helpers import add_mall

SEOUL = ZoneInfo("Asia/Seoul")  # AUTHSERVER_TIMEZONE's default, as at Cafe24
DAY = "start_date=2000-01-01&end_date=2100-12-31"


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000, AUTHSERVER_TIMEZONE="Asia/Seoul")
    client = app_with_scopes(app, world, ALL)
    world.extra["all_client"] = client
    return _api(live_server, world.mall_id, client)


def _api(live_server, mall_id: str, client, scope_list=None) -> Api:
    token = obtain_token(live_server, mall_id, client, scope_list)["access_token"]
    return Api(live_server, mall_id, token)


@pytest.fixture
def other(app, api, live_server, world) -> Api:
    """The same app installed on a second mall."""
    with app.app_context():
        developer = db.session.query(Developer).filter_by(email=world.developer).one()
        add_mall("othermall", test_mall_of=developer)
    return _api(live_server, "othermall", world.extra["all_client"])


def _without(live_server, world, scope: str) -> Api:
    rest = scopes.normalise(set(ALL) - {scope})
    return _api(live_server, world.mall_id, world.extra["all_client"], rest)


# -- scripttags --------------------------------------------------------------------------------
#: scripttags.md, "Create a script tag" (request body of the example).
SCRIPT = {
    "src": "https://yourdomain-sample.com/sample-script.js",
    "display_location": ["PRODUCT_LIST", "PRODUCT_DETAIL"],
    "exclude_path": ["/product/list.html", "/product/detail.html"],
    "skin_no": [3, 4],
    "integrity": "sha384-UttGu98Tj02YSyWJ5yU0dHmx4wisywedBShWqEz+TL3vFOCXdeMWmo6jMVR8IdFo",
}


def test_scripttags_crud_count_filter_and_client_id(api, world, live_server):
    created = api.post("scripttags", SCRIPT)
    assert created.status_code == 201, created.text
    tag = created.json()["scripttag"]
    assert tag["script_no"] == "1" and tag["shop_no"] == 1  # a string, as Cafe24 types it
    assert tag["client_id"] == world.extra["all_client"].client_id
    assert {k: tag[k] for k in SCRIPT} == SCRIPT
    assert tag["created_date"].endswith("+09:00")
    assert api.post("scripttags", {**SCRIPT, "skin_no": [1]}).status_code == 201

    assert api.get("scripttags/count").json() == {"count": 2}
    assert [t["script_no"] for t in api.get("scripttags?script_no=2").json()["scripttags"]] == ["2"]
    assert api.get("scripttags/count?script_no=1,2").json() == {"count": 2}
    assert api.get("scripttags/1").json() == {"scripttag": tag}

    changed = api.put("scripttags/1", {"display_location": ["BOARD_FREE_LIST"]})
    assert changed.json()["scripttag"]["display_location"] == ["BOARD_FREE_LIST"]
    assert api.delete("scripttags/1").json() == {"scripttag": {"shop_no": 1, "script_no": "1"}}
    assert api.get("scripttags/1").status_code == 404
    assert _without(live_server, world, "mall.read_application").get("scripttags").json()[
        "error"
    ] == {
        "code": 404,
        "message": "Permission unauthorized.",
        "more_info": {"required_scope": "mall.read_application"},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"src": "https://x/a.js"}, "display_location"),
        ({**SCRIPT, "skin_no": ["one"]}, "skin_no[0]"),
        ({**SCRIPT, "client_id": "someone-else"}, "client_id"),
        ({**SCRIPT, "display_location": []}, "display_location"),
    ],
)
def test_scripttags_bad_input_is_422_naming_the_field(api, body, field):
    answer = api.post("scripttags", body)
    assert answer.status_code == 422
    assert answer.json()["error"]["more_info"] == {"field": field}
    assert api.get("scripttags/count").json() == {"count": 0}
    assert api.get("scripttags?script_no=x").json()["error"]["more_info"] == {"field": "script_no"}


def test_scripttags_belong_to_the_app_and_the_mall(app, api, other, live_server, world):
    assert api.post("scripttags", SCRIPT).status_code == 201
    assert other.get("scripttags").json() == {"scripttags": []}
    second = app_with_scopes(app, world, ["mall.read_application"], "Second")
    assert _api(live_server, world.mall_id, second).get("scripttags/count").json() == {"count": 0}


# -- customersprivacy -----------------------------------------------------------------------------
def test_customersprivacy_reads_and_updates_the_customers(app, api, other, live_server, world):
    seed(
        app,
        world.mall_id,
        "customers",
        {"member_id": "sampleid", "name": "John Doe"},
        {"member_id": "sampleid01", "email": "j@x.com"},
    )

    listed = api.get("customersprivacy").json()["customersprivacy"]
    assert [c["member_id"] for c in listed] == ["sampleid", "sampleid01"]
    assert listed[0]["name"] == "John Doe" and "customer_no" not in listed[0]
    assert listed[0]["created_date"].endswith("+09:00")
    assert api.get("customersprivacy/count").json() == {"count": 2}
    filtered = api.get("customersprivacy?member_id=sampleid01").json()["customersprivacy"]
    assert [c["email"] for c in filtered] == ["j@x.com"]

    # customersprivacy.md, "Update a customer information": by member_id, flags and names.
    changed = api.put("customersprivacy/sampleid", {"cellphone": "010-000-0000", "sms": "T"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["customersprivacy"]["cellphone"] == "010-000-0000"
    assert api.get("customersprivacy/sampleid").json()["customersprivacy"]["sms"] == "T"
    customers = api.get("customers?member_id=sampleid").json()["customers"]
    assert customers[0]["cellphone"] == "010-000-0000"
    assert api.get("customersprivacy?sms=T").json()["customersprivacy"][0]["member_id"] == (
        "sampleid"
    )

    assert api.get("customersprivacy/nobody").status_code == 404
    bad = api.put("customersprivacy/sampleid", {"member_id": "renamed"})
    assert (bad.status_code, bad.json()["error"]["more_info"]) == (422, {"field": "member_id"})
    # Cafe24 documents no POST nor DELETE on customersprivacy.
    assert api.post("customersprivacy", {"name": "x"}).json()["error"]["message"] == (
        "Cannot locate API."
    )
    assert api.delete("customersprivacy/sampleid").status_code == 404
    assert other.get("customersprivacy/count").json() == {"count": 0}
    without = _without(live_server, world, "mall.write_customer")
    assert without.put("customersprivacy/sampleid", {"name": "x"}).json()["error"]["more_info"] == {
        "required_scope": "mall.write_customer"
    }


#: customersprivacy.md, "Customersprivacy property list": every key of a customer's record.
PRIVACY_PROPERTIES = {
    "shop_no",
    "member_id",
    "name",
    "name_english",
    "name_phonetic",
    "phone",
    "cellphone",
    "email",
    "sms",
    "news_mail",
    "thirdparty_agree",
    "wedding_anniversary",
    "birthday",
    "solar_calendar",
    "total_points",
    "available_points",
    "used_points",
    "city",
    "state",
    "address1",
    "address2",
    "group_no",
    "job_class",
    "job",
    "zipcode",
    "created_date",
    "member_authentication",
    "use_blacklist",
    "blacklist_type",
    "last_login_date",
    "member_authority",
    "nick_name",
    "recommend_id",
    "residence",
    "interest",
    "gender",
    "member_type",
    "company_type",
    "foreigner_type",
    "authentication_method",
    "lifetime_member",
    "corporate_name",
    "nationality",
    "shop_name",
    "country_code",
    "use_mobile_app",
    "join_path",
    "fixed_group",
    "refund_bank_code",
    "refund_bank_account_no",
    "refund_bank_account_holder",
    "company_condition",
    "company_line",
    "sns_list",
    "account_reactivation_date",
    "available_credits",
    "additional_information",
}


def test_customersprivacy_answers_cafe24s_property_list_and_refuses_shop_set_ones(app, api, world):
    seed(app, world.mall_id, "customers", {"member_id": "sampleid", "total_points": "10.00"})
    (record,) = api.get("customersprivacy").json()["customersprivacy"]
    assert set(record) == PRIVACY_PROPERTIES  # no updated_date, as at Cafe24
    assert record["total_points"] == "10.00"
    # What Cafe24's update takes is kept and shown; what its shop sets is refused by name.
    changed = api.put(
        "customersprivacy/sampleid",
        {"additional_information": [{"key": "add1", "value": "v"}], "refund_bank_code": "b"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["customersprivacy"]["additional_information"] == [
        {"key": "add1", "value": "v"}
    ]
    for name, value in (
        ("total_points", "99.00"),
        ("last_login_date", "2024-01-01T00:00:00+09:00"),
    ):
        bad = api.put("customersprivacy/sampleid", {name: value})
        assert (bad.status_code, bad.json()["error"]["more_info"]) == (422, {"field": name})
    assert api.get("customersprivacy/sampleid").json()["customersprivacy"]["total_points"] == (
        "10.00"
    )


# -- customergroups -------------------------------------------------------------------------------
#: customergroups.md, "Retrieve a customer tier": its discount_information.
DISCOUNT = {"amount_product": "100000.00", "amount_discount": "100.00", "discount_unit": "P",
            "truncation_unit": "10", "max_discount": "10.00"}  # fmt: skip


def test_customergroups_are_read_only_per_mall(app, api, other, world, live_server):
    seed(
        app,
        world.mall_id,
        "customergroups",
        {"group_name": "Standard Membership", "buy_benefits": "D"},
        {"group_name": "VIP", "discount_information": DISCOUNT},
    )
    listed = api.get("customergroups").json()["customergroups"]
    assert [(g["group_no"], g["group_name"]) for g in listed] == [
        (1, "Standard Membership"),
        (2, "VIP"),
    ]
    # customergroups.md: the benefits as documented (null until set), and no dates.
    assert listed[1]["discount_information"] == DISCOUNT
    assert listed[0]["discount_information"] is None and listed[0]["group_icon"] is None
    assert "created_date" not in listed[0] and "updated_date" not in listed[0]
    assert api.get("customergroups/count").json() == {"count": 2}
    assert api.get("customergroups/count?group_name=VIP").json() == {"count": 1}
    assert [
        g["group_no"] for g in api.get("customergroups?group_no=2").json()["customergroups"]
    ] == [2]
    assert api.get("customergroups/1").json()["customergroup"]["buy_benefits"] == "D"
    for method, path in (("POST", "customergroups"), ("PUT", "customergroups/1")):
        assert api.call(method, path, {"group_name": "x"}).status_code == 404
    assert api.delete("customergroups/1").status_code == 404
    assert other.get("customergroups").json() == {"customergroups": []}
    bad = api.get("customergroups?group_no=1,two")
    assert (bad.status_code, bad.json()["error"]["more_info"]) == (422, {"field": "group_no"})
    assert (
        _without(live_server, world, "mall.read_customer").get("customergroups").status_code == 404
    )


# -- points ---------------------------------------------------------------------------------------
def test_points_ledger_balance_filters_and_refusals(app, api, other, world, live_server):
    seed(app, world.mall_id, "customergroups", {"group_name": "sample group"})
    seed(
        app,
        world.mall_id,
        "customers",
        {"member_id": "testmember", "email": "sample@sample.com", "group_no": 1},
        {"member_id": "second"},
    )
    # points.md, "Issue and deduct points": the example's request and response.
    body = {
        "member_id": "testmember",
        "order_id": "20200228-0000001",
        "amount": "10.00",
        "type": "increase",
        "reason": "New products promotion",
    }
    issued = api.post("points", body)
    assert issued.status_code == 201, issued.text
    assert issued.json() == {"points": {"shop_no": 1, **body, "amount": "10.00"}}
    assert api.post("points", {"member_id": "second", "amount": 5, "type": "increase"}).ok
    spent = api.post("points", {"member_id": "testmember", "amount": 4, "type": "decrease"})
    assert spent.status_code == 201

    listed = api.get(f"points?{DAY}&member_id=testmember").json()["points"]
    assert [(p["available_points_increase"], p["available_points_decrease"]) for p in listed] == [
        ("10.00", None),
        (None, "4.00"),
    ]
    assert [p["available_points_total"] for p in listed] == ["10.00", "6.00"]
    assert listed[0]["case"] == "AM" and listed[0]["issue_date"].endswith("+09:00")
    # points.md: the member's email and tier now, and who granted them: here the app.
    assert (listed[0]["email"], listed[0]["group_name"]) == ("sample@sample.com", "sample group")
    client_id = world.extra["all_client"].client_id
    assert (listed[1]["admin_id"], listed[1]["admin_name"]) == (client_id, "API App")
    (other_member,) = api.get(f"points?{DAY}&member_id=second").json()["points"]
    assert (other_member["email"], other_member["group_name"]) == (None, None)
    assert len(api.get(f"points?{DAY}").json()["points"]) == 3
    assert api.get("points?start_date=2000-01-01&end_date=2000-01-02").json() == {"points": []}

    for wrong, field in (
        ({"member_id": "testmember", "amount": 7, "type": "decrease"}, "amount"),
        ({"member_id": "nobody", "amount": 1, "type": "increase"}, "member_id"),
        ({"member_id": "testmember", "amount": 1, "type": "double"}, "type"),
        ({"member_id": "testmember", "amount": 1_000_001, "type": "increase"}, "amount"),
        ({"member_id": "testmember", "type": "increase"}, "amount"),
        ({**body, "admin_id": "someone"}, "admin_id"),  # set by the server
    ):
        answer = api.post("points", wrong)
        assert answer.status_code == 422, wrong
        assert answer.json()["error"]["more_info"] == {"field": field}
    missing = api.get("points?end_date=2100-01-01")
    assert missing.json()["error"]["more_info"] == {"field": "start_date"}
    assert api.get("points?start_date=2020-13-01&end_date=2021-01-01").status_code == 422
    assert len(api.get(f"points?{DAY}").json()["points"]) == 3  # the refusals wrote nothing
    assert api.get("points/count").status_code == 404  # Cafe24: GET and POST only
    assert other.get(f"points?{DAY}").json() == {"points": []}
    assert _without(live_server, world, "mall.write_customer").post("points", body).status_code == (
        404
    )


# -- dashboard ------------------------------------------------------------------------------------
def test_dashboard_is_computed_from_the_mall(app, api, other, world, live_server, travel):
    api.post("products", {"product_name": "Shirt", "price": 1000})
    api.post("products", {"product_name": "Scarf", "price": 250, "selling": "F"})
    seed(
        app,
        world.mall_id,
        "orders",
        {"member_id": "a", "items": [{"product_no": 1, "quantity": 2}]},
        {"member_id": "b", "items": [{"product_no": 2, "quantity": 4}], "order_status": "C40"},
    )
    seed(app, world.mall_id, "customers", {"member_id": "a"})
    seed(app, world.mall_id, "boards", {"board_name": "Notice"})
    api.post(
        "boards/1/articles", {"writer": "a", "title": "t", "content": "c", "client_ip": "1.2.3.4"}
    )

    answer = api.get("dashboard")
    assert answer.status_code == 200
    (board,) = answer.json()["dashboard"]
    today = board["daily_sales_stats"][-1]
    day = datetime.now(SEOUL).date()
    assert today["date"] == day.isoformat()
    assert today["title"] == f"{day:%B} {day.day} (Today)"
    assert (today["order_price"], today["paid_price"]) == ("3000.00", "2000.00")
    assert (today["order_count"], today["payed_count"], today["canceled_count"]) == (2, 1, 1)
    assert board["weekly_sales_stats"]["ordered_total_price"] == "3000.00"
    assert board["monthly_sales_stats"]["ordered_count"] == 2
    assert board["sold_out_products_count"] == 1
    assert board["new_members_count"] == 1
    assert board["board_list"][0]["board_no"] == 1
    assert board["board_list"][0]["new_registered_count"] == 1

    empty = other.get("dashboard").json()["dashboard"][0]
    assert empty["weekly_sales_stats"]["ordered_count"] == 0 and empty["board_list"] == []
    assert api.get("dashboard?shop_no=1").json() == answer.json()
    shop_two = api.get("dashboard?shop_no=2").json()["dashboard"][0]
    assert shop_two["shop_no"] == 2 and shop_two["board_list"] == []
    assert shop_two["daily_sales_stats"][-1]["order_count"] == 0
    assert shop_two["weekly_sales_stats"]["ordered_count"] == 0
    assert (shop_two["sold_out_products_count"], shop_two["new_members_count"]) == (0, 0)
    for bad in ("x", "0", "1,2"):
        refused = api.get(f"dashboard?shop_no={bad}")
        assert refused.status_code == 422 and refused.json()["error"]["more_info"] == {
            "field": "shop_no"
        }
    travel(86_400)  # tomorrow, with a new token (the first has expired)
    tomorrow = _api(live_server, world.mall_id, world.extra["all_client"])
    next_day = tomorrow.get("dashboard").json()["dashboard"][0]
    assert next_day["daily_sales_stats"][-2]["order_count"] == 2
    assert next_day["new_members_count"] == 0
    assert tomorrow.put("dashboard", {"x": 1}).status_code == 404
    assert _without(live_server, world, "mall.read_store").get("dashboard").status_code == 404


# -- activitylogs ---------------------------------------------------------------------------------
def test_activitylogs_record_the_apps_writes(api, other, world, live_server):
    api.post("products", {"product_name": "Shirt", "price": 1000})
    api.put("products/1", {"price": 900})
    api.post("products", {"product_name": "", "price": -1})  # refused: no entry
    api.delete("products/1")

    logs = api.get(f"activitylogs?{DAY}").json()["activitylogs"]
    assert [log["content"] for log in logs] == [
        "Created product 1 through the Admin API",
        "Updated product 1 through the Admin API",
        "Deleted product 1 through the Admin API",
    ]
    first = logs[0]
    # activitylogs.md: no shop_no; one entry is shown without its mode.
    assert set(first) == {
        "process_no", "mode", "type", "content", "manager_id", "manager_type", "process_date",
    }  # fmt: skip
    assert first["manager_id"] == world.extra["all_client"].client_id
    assert first["type"] == "Admin API > products" and first["manager_type"] == "app"
    one = {k: v for k, v in first.items() if k != "mode"}
    assert api.get(f"activitylogs/{first['process_no']}").json() == {"activitylog": one}
    assert api.get(f"activitylogs?{DAY}&type=Admin API > orders").json() == {"activitylogs": []}
    assert api.get("activitylogs?start_date=2000-01-01").json()["error"]["more_info"] == {
        "field": "end_date"
    }
    assert api.get("activitylogs/count").status_code == 404  # Cafe24: a list and one entry
    assert api.post("activitylogs", {"content": "x"}).status_code == 404
    assert other.get(f"activitylogs?{DAY}").json() == {"activitylogs": []}
    without = _without(live_server, world, "mall.read_store")
    assert without.get(f"activitylogs?{DAY}").json()["error"]["more_info"] == {
        "required_scope": "mall.read_store"
    }


def test_activitylogs_fields_names_process_date(api):
    """``fields=`` takes the dates a record shows (an activity log's ``process_date``), not
    dates it does not have; found describing the lists' ``fields`` in the OpenAPI document."""
    api.post("products", {"product_name": "Shirt", "price": 1000})
    (log,) = api.get(f"activitylogs?{DAY}&fields=process_no,process_date").json()["activitylogs"]
    assert set(log) == {"process_no", "process_date"}
    assert api.get("activitylogs/1?fields=process_date").json() == {
        "activitylog": {"process_date": log["process_date"]}
    }
    refused = api.get(f"activitylogs?{DAY}&fields=created_date")
    assert refused.status_code == 422
    assert refused.json()["error"]["more_info"] == {"field": "fields"}
