"""Methods per resource as Cafe24 documents them: the documented endpoints are served, every
other method on a resource's paths is answered as Cafe24 answers a call naming no API (404
"Cannot locate API."), and the scope check still comes first (404 "Permission unauthorized.").

The table below is written out by hand from the "Endpoints" block of each chapter of Cafe24's
reference (noston/cafe24-api-spec, cafe24_chapters/<resource>.md), not derived from the code.
"""

from __future__ import annotations

import pytest

from authserver.admin_api import resolve
from authserver.admin_api.resources import RESOURCES
from authserver.admin_api.scope_map import ABSENT

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed

#: resource -> Cafe24's endpoints, as (method, shape): "" the collection, "count", "{key}".
CAFE24 = {
    # categories.md
    "categories": {("GET", ""), ("GET", "count"), ("GET", "{key}"), ("POST", "")}
    | {("PUT", "{key}"), ("DELETE", "{key}")},
    # products.md "Endpoints"
    "products": {("GET", ""), ("GET", "count"), ("GET", "{key}"), ("POST", "")}
    | {("PUT", "{key}"), ("DELETE", "{key}")},
    # brands.md: no GET of one brand
    "brands": {("GET", ""), ("GET", "count"), ("POST", ""), ("PUT", "{key}"), ("DELETE", "{key}")},
    # suppliers.md
    "suppliers": {("GET", ""), ("GET", "count"), ("GET", "{key}"), ("POST", "")}
    | {("PUT", "{key}"), ("DELETE", "{key}")},
    # carts.md: GET /carts only
    "carts": {("GET", "")},
    # orders.md: GET and PUT only (PUT /orders is the bulk form)
    "orders": {("GET", ""), ("GET", "{key}"), ("GET", "count"), ("PUT", ""), ("PUT", "{key}")},
    # boards.md: the list, one board and its update
    "boards": {("GET", ""), ("GET", "{key}"), ("PUT", "{key}")},
    # customers.md: GET /customers, DELETE /customers/{member_id}
    "customers": {("GET", ""), ("DELETE", "{key}")},
    # sms.md: POST /sms
    "sms": {("POST", "")},
    # store.md: GET /store
    "store": {("GET", "")},
    # coupons.md
    "coupons": {("GET", ""), ("GET", "count"), ("POST", ""), ("PUT", "{key}")},
    # themes.md: read only
    "themes": {("GET", ""), ("GET", "count"), ("GET", "{key}")},
    # apps.md: GET /apps, PUT /apps
    "apps": {("GET", ""), ("PUT", "")},
    # reports-salesvolume.md
    "reports/salesvolume": {("GET", "")},
    # scripttags.md
    "scripttags": {("GET", ""), ("GET", "count"), ("GET", "{key}"), ("POST", "")}
    | {("PUT", "{key}"), ("DELETE", "{key}")},
    # customersprivacy.md: no POST, no DELETE
    "customersprivacy": {("GET", ""), ("GET", "count"), ("GET", "{key}"), ("PUT", "{key}")},
    # customergroups.md: read only
    "customergroups": {("GET", ""), ("GET", "count"), ("GET", "{key}")},
    # points.md: GET and POST /points
    "points": {("GET", ""), ("POST", "")},
    # dashboard.md
    "dashboard": {("GET", "")},
    # activitylogs.md: the list and one entry
    "activitylogs": {("GET", ""), ("GET", "{key}")},
}
#: Sub-resources: (the path under a parent record, Cafe24's methods).
NESTED = {
    # orders-items.md
    "orders/items": (
        "orders/20240131-0000001/items",
        {("GET", ""), ("POST", ""), ("PUT", "{key}")},
    ),
    # products-variants.md (PUT of the list is "Update multiple product variants")
    "products/variants": (
        "products/1/variants",
        {("GET", ""), ("GET", "{key}"), ("PUT", ""), ("PUT", "{key}"), ("DELETE", "{key}")},
    ),
    # boards-articles.md
    "boards/articles": (
        "boards/1/articles",
        {("GET", ""), ("POST", ""), ("PUT", "{key}"), ("DELETE", "{key}")},
    ),
}
KEYS = {"brands": "B0000001", "suppliers": "S0000001", "orders": "20240131-0000001"}
KEYS |= {"customers": "sampleid", "customersprivacy": "sampleid"}
KEYS |= {"orders/items": "20240131-0000001-01", "products/variants": "P0000001000A"}


def test_the_table_names_every_resource():
    assert set(CAFE24) | set(NESTED) == set(RESOURCES)


@pytest.mark.parametrize("path", sorted(NESTED))
def test_documented_sub_resource_endpoints_are_served_and_no_others(path):
    base, documented = NESTED[path]
    for method in ("GET", "POST", "PUT", "DELETE"):
        for shape in ("", "count", "{key}"):
            concrete = (
                base if not shape else f"{base}/{shape.replace('{key}', KEYS.get(path, '1'))}"
            )
            endpoint = resolve(method, concrete)
            if endpoint is None:  # no API at all (a write to a count)
                assert (method, shape) not in documented, (method, concrete)
                continue
            assert endpoint.resource.path == path, (method, concrete)
            served = endpoint.action != ABSENT
            assert served == ((method, shape) in documented), (method, concrete)


@pytest.mark.parametrize("path", sorted(CAFE24))
def test_documented_endpoints_are_served_and_no_others(path):
    for method in ("GET", "POST", "PUT", "DELETE"):
        for shape in ("", "count", "{key}"):
            concrete = (
                path if not shape else f"{path}/{shape.replace('{key}', KEYS.get(path, '1'))}"
            )
            endpoint = resolve(method, concrete)
            if endpoint is None:  # no call of this shape anywhere (POST /products/1), or no
                assert (method, shape) not in CAFE24[path]  # scope for it (salesreport writes)
                continue
            served = endpoint.action != ABSENT
            assert served == ((method, shape) in CAFE24[path]), (method, concrete)


@pytest.fixture
def api(app, live_server, world, configure) -> Api:
    configure(AUTHSERVER_API_BUCKET_SIZE=10_000)
    client = app_with_scopes(app, world, ALL)
    world.extra["client"] = client
    return Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )


@pytest.mark.parametrize(
    "method, path, body, scope",
    [
        ("POST", "orders", {"member_id": "a", "items": []}, "mall.write_order"),
        ("DELETE", "orders/20240131-0000001", None, "mall.write_order"),
        ("POST", "themes", {"skin_name": "x"}, "mall.write_design"),
        ("PUT", "themes/1", {"skin_name": "x"}, "mall.write_design"),
        ("GET", "brands/B0000001", None, "mall.read_collection"),
        ("POST", "customers", {"member_id": "a"}, "mall.write_customer"),
        ("GET", "customers/sampleid", None, "mall.read_customer"),
        ("PUT", "store", {"shop_name": "x"}, "mall.write_store"),
        ("POST", "apps", {"version": "1"}, "mall.write_application"),
        ("DELETE", "coupons/1", None, "mall.write_promotion"),
        ("GET", "sms", None, "mall.read_notification"),
    ],
)
def test_a_method_cafe24_does_not_offer_is_no_api_after_the_scope_check(
    app, api, live_server, world, method, path, body, scope
):
    seed(app, world.mall_id, "themes", {"skin_name": "Basic"})
    answer = api.call(method, path, body)
    assert answer.status_code == 404
    assert answer.json()["error"] == {"code": 404, "message": "Cannot locate API.", "more_info": {}}
    without = set(ALL) - {scope}
    token = obtain_token(live_server, world.mall_id, world.extra["client"], sorted(without))
    refused = Api(live_server, world.mall_id, token["access_token"]).call(method, path, body)
    assert refused.status_code == 404
    assert refused.json()["error"] == {
        "code": 404,
        "message": "Permission unauthorized.",
        "more_info": {"required_scope": scope},
    }
    assert api.get("themes/count").json() == {"count": 1}  # nothing was written
