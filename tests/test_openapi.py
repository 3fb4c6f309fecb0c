"""The OpenAPI 3.1 document at ``/openapi.json``: valid, complete, and true of the live server.

The document is validated with openapi-spec-validator, checked to cover every Admin API
resource and scope the server enforces, and fuzzed with Schemathesis against the live server
with a real token from the flow (Bearer for the Admin API, the app's HTTP Basic at token and
revoke, a gateway's at introspect). Checks: ``not_a_server_error`` (no 5xx) and
``response_schema_conformance`` (every answer matches the document); none is disabled.
"""

from __future__ import annotations

import os
import re

import jsonschema
import pytest
import requests

from authserver.admin_api import SCOPE_MAP, required_scope, resolve
from authserver.admin_api.resources import COLLECTION, EMBEDDED, INT, RESOURCES, url_path
from authserver.admin_api.scope_map import ABSENT
from authserver.openapi import build_document, shapes
from authserver.openapi.computed import ENTRIES

from .admin_api_support import ALL, Api, app_with_scopes, obtain_token, seed
from .gateway_support import basic

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openapi_spec_validator import validate  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

#: Examples per operation; the whole fuzz takes about three minutes per database.
MAX_EXAMPLES = int(os.environ.get("AUTHSERVER_FUZZ_EXAMPLES", "25"))


def fetch(live_server) -> dict:
    answer = requests.get(f"{live_server}/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    return answer.json()


def test_document_is_valid_openapi_3_1(live_server):
    document = fetch(live_server)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_served_document_is_the_built_one(live_server):
    assert fetch(live_server) == build_document()


def test_every_operation_answers_the_request_limits_in_its_surfaces_shape(live_server):
    """platform/limits.py answers a malformed query string (400) and an over-long one (414)
    before any view: every operation lists both, with its surface's error schema, and what
    the live server answers an Admin API GET matches that schema."""
    document = fetch(live_server)
    operations = [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    ]
    assert len(operations) > 50
    for operation in operations:
        error = "OAuthError" if "oauth" in operation["tags"] else "ApiError"
        for status in ("400", "414"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": f"#/components/schemas/{error}"}, operation
    envelope = document["components"]["schemas"]["ApiError"]
    url = f"{live_server}/malls/m/api/v2/admin/products"
    for query, status in (("product_name=%00", 400), ("product_name=" + "a" * 9000, 414)):
        answer = requests.get(f"{url}?{query}")
        assert answer.status_code == status
        jsonschema.validate(answer.json(), envelope)
        assert answer.json()["error"]["code"] == status


def test_the_dashboard_of_any_shop_matches_the_document(app, live_server, world):
    """The dashboard names the shop asked for (another shop's counts nothing), so the
    document's ``shop_no`` is any shop, not shop 1 alone (the fuzz once found the two apart)."""
    client = app_with_scopes(app, world, ALL, name="Document App")
    api = Api(
        live_server, world.mall_id, obtain_token(live_server, world.mall_id, client)["access_token"]
    )
    document = fetch(live_server)
    (path,) = [path for path in document["paths"] if path.endswith("/admin/dashboard")]
    answer_schema = document["paths"][path]["get"]["responses"]["200"]["content"]
    # $refs resolve against the whole document, whose components ride along.
    schema = {**answer_schema["application/json"]["schema"], "components": document["components"]}
    for shop_no in ("1", "2", "5912614"):
        answer = api.get("dashboard", params={"shop_no": shop_no})
        assert answer.status_code == 200
        jsonschema.validate(answer.json(), schema)
        assert answer.json()["dashboard"][0]["shop_no"] == int(shop_no)


def concrete(path: str) -> str:
    """A path of the document or of ``url_path`` with each ``{parameter}`` as a key: ``1``."""
    return re.sub(r"\{[a-z_]+\}", "1", path)


def test_document_covers_every_admin_api_call_with_its_scope(live_server):
    """Each described call needs the scope the API enforces; each call the API answers (every
    (method, path) of the scope map and the resource table's URLs that resolves to an action of
    the row, sub-resources included) is described."""
    document = fetch(live_server)
    described = set()
    for path, item in document["paths"].items():
        if "/api/v2/admin/" not in path:
            continue
        call = concrete(path.split("/api/v2/admin/")[1])
        for method, operation in item.items():
            if method != "parameters":
                assert required_scope(method, call) == operation["x-required-scope"]
                described.add((method.upper(), call))
    answered = {
        (method, path)
        for method, resource in SCOPE_MAP
        for base in [concrete(url_path(RESOURCES[resource]))]
        for path in (base, f"{base}/count", f"{base}/1")
        if (endpoint := resolve(method, path)) is not None and endpoint.action != ABSENT
    }
    assert described == answered
    # Every row is in it: the nine added resources (sub-resources, computed answers) too.
    assert {concrete(url_path(r)) for r in RESOURCES.values()} <= {p for _, p in described}
    for name in ("token", "revoke", "introspect", "metadata"):
        assert any(
            op.get("operationId") == name for item in document["paths"].values()
            for op in item.values() if isinstance(op, dict)
        )  # fmt: skip


def test_list_and_count_parameters_come_from_the_resource_table(live_server):
    """Each list takes its row's filters (the required ones marked so) and, unless it is a
    parent's embedded list, its bounds; a list or read of stored or embedded records ``fields``
    (an embedded one's own keys: its parent's key, not the dates it has none of) and ``embed``;
    each count the same filters and a 422 for a bad value; a sub-resource's path
    names its parent's key (authserver/openapi/parameters.py)."""
    paths = fetch(live_server)["paths"]
    for resource in RESOURCES.values():
        base = f"/malls/{{mall_id}}/api/v2/admin/{url_path(resource)}"
        declared = {f.name: f.required for f in resource.filters}
        stored = resource.kind == COLLECTION and resource.path not in ENTRIES
        listing = paths.get(base, {}).get("get")
        if listing is not None and listing["operationId"].startswith("list_"):
            names = {p["name"]: p for p in listing["parameters"]}
            assert {name: names[name]["required"] for name in declared} == declared
            assert ("limit" in names) == (resource.kind != EMBEDDED), resource.path
            if "limit" in names:
                assert names["limit"]["schema"]["maximum"] == resource.max_limit
                assert names["offset"]["schema"]["maximum"] == resource.max_offset
            assert ("fields" in names) == (stored or resource.kind == EMBEDDED), resource.path
            if resource.kind == EMBEDDED:
                pattern = names["fields"]["schema"]["pattern"]
                assert re.fullmatch(pattern, RESOURCES[resource.parent].number_field)
                assert not re.fullmatch(pattern, "created_date"), resource.path
            assert ("embed" in names) == bool(stored and resource.embeds), resource.path
        counting = paths.get(f"{base}/count", {}).get("get")
        if counting is not None:
            assert {p["name"] for p in counting["parameters"]} == set(declared), resource.path
            assert "422" in counting["responses"]
        if resource.parent is not None:
            parent = RESOURCES[resource.parent]
            assert f"{{{parent.number_field}}}" in base
            names = {p["name"] for p in paths[base]["parameters"]}
            assert names == {"mall_id", parent.number_field}


def test_bodies_and_records_come_from_the_rows_fields(live_server):
    """A create body requires the row's required fields; no body offers a field the server sets
    (``read_only``), every record shows it; a bulk PUT exists where the row declares one."""
    document = fetch(live_server)
    components, paths = document["components"]["schemas"], document["paths"]
    for resource in RESOURCES.values():
        name = shapes.name(resource)
        fields = {f.name: f for f in resource.fields}
        if "create" in resource.actions:
            body = components[f"{name}Create"]["properties"]["request"]
            assert set(body["required"]) == {n for n, f in fields.items() if f.required}
            assert set(body["properties"]) == {n for n, f in fields.items() if not f.read_only}
            for field_name, schema in body["properties"].items():
                # The values and the least integer the server accepts (wire.check) are written.
                field, inner = fields[field_name], schema.get("oneOf", [schema])[0]
                if field.choices:
                    assert inner["enum"] == list(field.choices), (resource.path, field_name)
                if field.type == INT:
                    assert inner["minimum"] == field.least, (resource.path, field_name)
        if "update" in resource.actions:
            body = components[f"{name}Update"]["properties"]["request"]
            assert set(body["properties"]) == {n for n, f in fields.items() if not f.read_only}
            for field_name, schema in body["properties"].items():
                # What a PUT may send besides the answered values (coupons' deleted "D").
                for sent, _ in fields[field_name].aliases:
                    jsonschema.validate(sent, schema)
        if resource.path not in ENTRIES:
            assert set(fields) <= set(components[name]["properties"]), resource.path
        collection = paths.get(f"/malls/{{mall_id}}/api/v2/admin/{url_path(resource)}", {})
        bulk = collection.get("put", {}).get("operationId", "").startswith("bulk_update")
        assert bulk == ("update" in resource.bulk), resource.path


def records_to_name(app, api: Api, mall_id: str) -> dict[str, object]:
    """One record of each resource the fuzz names by key, by the name of its path parameter:
    so a sub-resource's operations reach its parent's children, not only the parent's 404."""
    assert api.post("products", {"product_name": "Fuzzed", "price": 1000}).status_code == 201
    order = {"member_id": "fuzzer", "items": [{"product_no": 1, "quantity": 1}]}
    seed(app, mall_id, "orders", order)
    seed(app, mall_id, "boards", {"board_name": "Notice"})
    seed(app, mall_id, "customers", {"member_id": "fuzzer"})
    seed(app, mall_id, "customergroups", {"group_name": "Gold"})
    article = {"writer": "Fuzz", "title": "Hi", "content": "Hello", "client_ip": "127.0.0.1"}
    assert api.post("boards/1/articles", article).status_code == 201
    tag = {"src": "https://app.example/a.js", "display_location": ["all"]}
    assert api.post("scripttags", tag).status_code == 201
    order_id = api.get("orders").json()["orders"][0]["order_id"]
    variant = api.get("products/1/variants").json()["variants"][0]["variant_code"]
    return {
        "product_no": 1,
        "order_id": order_id,
        "order_item_code": f"{order_id}-01",
        "variant_code": variant,
        "board_no": 1,
        "article_no": 1,
        "member_id": "fuzzer",
        "group_no": 1,
        "script_no": 1,
        "process_no": 1,
    }


@pytest.fixture
def fuzz_target(app, live_server, world, gateway, configure):
    """The live server, a token holding every scope, the credentials for each surface, and a
    record of each resource the fuzz names by key."""
    configure(AUTHSERVER_API_BUCKET_SIZE=1_000_000)  # fuzz the API, not only its limit
    client = app_with_scopes(app, world, ALL, name="Fuzz App")
    token = obtain_token(live_server, world.mall_id, client)["access_token"]
    return {
        "base_url": live_server,
        "mall_id": world.mall_id,
        "bearer": f"Bearer {token}",
        "app": basic(client.client_id, client.client_secret),
        "gateway": basic(*gateway),
        "keys": records_to_name(app, Api(live_server, world.mall_id, token), world.mall_id),
    }


#: The document the server serves (``test_served_document_is_the_built_one``), loaded once.
schema = schemathesis.openapi.from_dict(build_document())
#: Sub-resources (a key followed by more path) first, so their parents exist while they are
#: fuzzed: a fuzzed DELETE of a parent may remove it.
OPERATIONS = sorted(
    (result.ok() for result in schema.get_all_operations()),
    key=lambda operation: "}/" not in operation.path.split("/api/v2/admin/")[-1],
)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def credential_for(path: str, target: dict) -> str:
    if "/api/v2/admin/" in path:
        return target["bearer"]
    if path.endswith("/introspect"):
        return target["gateway"]
    return target["app"]


def name_records(operation, case, target: dict, real_item: bool) -> None:
    """The mall is the fuzz's; a parent's key names the seeded parent; an item's key names a
    seeded record when ``real_item`` (never for a DELETE, which would remove it)."""
    parameters = case.path_parameters or {}
    if "mall_id" in parameters:
        parameters["mall_id"] = target["mall_id"]
    names = re.findall(r"\{([a-z_]+)\}", operation.path)
    item = names[-1] if operation.path.endswith("}") else None
    for name in names:
        if name == "mall_id" or name not in target["keys"]:
            continue
        if name != item or (real_item and operation.method.upper() != "DELETE"):
            parameters[name] = target["keys"][name]


def fuzz(operation, target: dict, seen: set[int]) -> None:
    """Positive and negative cases of one operation; raises on the first failing check."""
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES))

    @given(cases, st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case, real_item: bool) -> None:
        name_records(operation, case, target, real_item)
        response = case.call_and_validate(
            base_url=target["base_url"],
            headers={"Authorization": credential_for(operation.path, target)},
            checks=[not_a_server_error, response_schema_conformance],
        )
        seen.add(response.status_code)

    run()


def test_fuzz_the_live_server_against_the_document(fuzz_target):
    """Every operation, one world and one token (the set-up is most of the cost)."""
    failures, statuses = [], {}
    for operation in OPERATIONS:
        seen = statuses[operation.label] = set()
        try:
            fuzz(operation, fuzz_target, seen)
        except Exception as error:  # noqa: BLE001 - every operation's failure is reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
    # The fuzz reached the real logic, not only the refusals: the token worked everywhere,
    # every list and count answered, sub-resources' included, and so did every read of a
    # record the fuzz names.
    print({label: sorted(codes) for label, codes in statuses.items()})
    admin = {label: codes for label, codes in statuses.items() if "/api/v2/admin/" in label}
    assert all(codes - {401, 429} for codes in admin.values()), admin
    named = set(fuzz_target["keys"]) | {"mall_id"}
    reads = [
        label
        for label in admin
        if label.startswith("GET") and set(re.findall(r"\{([a-z_]+)\}", label)) <= named
    ]
    assert [label for label in reads if 200 not in admin[label]] == [], admin
    assert any(label.endswith("/variants/{variant_code}") for label in reads)
    assert any(201 in codes for codes in admin.values()), admin
    assert 200 in statuses["GET /.well-known/oauth-authorization-server/malls/{mall_id}"]
