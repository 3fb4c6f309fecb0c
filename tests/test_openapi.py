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

import pytest
import requests

from authserver.admin_api import SCOPE_MAP, required_scope, resolve
from authserver.admin_api.resources import RESOURCES
from authserver.admin_api.scope_map import ABSENT
from authserver.openapi import build_document
from authserver.openapi.admin import describable

from .admin_api_support import ALL, app_with_scopes, obtain_token
from .gateway_support import basic

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openapi_spec_validator import validate  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

#: Examples per operation; the whole fuzz stays well under two minutes per database.
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


def test_document_covers_every_admin_api_call_with_its_scope(live_server):
    """Each described call needs the scope the API enforces; each call the API has is described."""
    document = fetch(live_server)
    described = set()
    for path, item in document["paths"].items():
        if "/api/v2/admin/" not in path:
            continue
        concrete = re.sub(r"\{[a-z_]+\}", "1", path.split("/api/v2/admin/")[1])
        for method, operation in item.items():
            if method != "parameters":
                assert required_scope(method, concrete) == operation["x-required-scope"]
                described.add((method.upper(), concrete))
    enforced = {
        (method, path)
        for method, resource in SCOPE_MAP
        if describable(RESOURCES[resource])
        for path in (resource, f"{resource}/count", f"{resource}/1")
        if (endpoint := resolve(method, path)) is not None and endpoint.action != ABSENT
    }
    assert described == enforced
    for name in ("token", "revoke", "introspect", "metadata"):
        assert any(
            op.get("operationId") == name for item in document["paths"].values()
            for op in item.values() if isinstance(op, dict)
        )  # fmt: skip


def test_list_and_count_parameters_come_from_the_resource_table(live_server):
    """Each described list takes its row's bounds, filters, ``fields`` and ``embed``; each count
    the same filters and a 422 for a bad value (authserver/openapi/parameters.py)."""
    paths = fetch(live_server)["paths"]
    for resource in RESOURCES.values():
        base = f"/malls/{{mall_id}}/api/v2/admin/{resource.path}"
        declared = {f.name for f in resource.filters}
        listing = paths.get(base, {}).get("get")
        if listing is not None and listing["operationId"].startswith("list_"):
            names = {p["name"]: p for p in listing["parameters"]}
            assert names["limit"]["schema"]["maximum"] == resource.max_limit
            assert declared | {"limit", "offset", "fields"} <= set(names), resource.path
            assert ("embed" in names) == bool(resource.embeds), resource.path
        counting = paths.get(f"{base}/count", {}).get("get")
        if counting is not None:
            assert {p["name"] for p in counting["parameters"]} == declared, resource.path
            assert "422" in counting["responses"]


@pytest.fixture
def fuzz_target(app, live_server, world, gateway, configure):
    """The live server, a token holding every scope, and the credentials for each surface."""
    configure(AUTHSERVER_API_BUCKET_SIZE=1_000_000)  # fuzz the API, not only its limit
    client = app_with_scopes(app, world, ALL, name="Fuzz App")
    token = obtain_token(live_server, world.mall_id, client)["access_token"]
    return {
        "base_url": live_server,
        "mall_id": world.mall_id,
        "bearer": f"Bearer {token}",
        "app": basic(client.client_id, client.client_secret),
        "gateway": basic(*gateway),
    }


#: The document the server serves (``test_served_document_is_the_built_one``), loaded once.
schema = schemathesis.openapi.from_dict(build_document())
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def credential_for(path: str, target: dict) -> str:
    if "/api/v2/admin/" in path:
        return target["bearer"]
    if path.endswith("/introspect"):
        return target["gateway"]
    return target["app"]


def fuzz(operation, target: dict, seen: set[int]) -> None:
    """Positive and negative cases of one operation; raises on the first failing check."""

    @given(st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES)))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case) -> None:
        if "mall_id" in (case.path_parameters or {}):
            case.path_parameters["mall_id"] = target["mall_id"]
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
    # The fuzz reached the real logic, not only the refusals: the token worked everywhere.
    print({label: sorted(codes) for label, codes in statuses.items()})
    admin = {label: codes for label, codes in statuses.items() if "/api/v2/admin/" in label}
    assert all(codes - {401, 429} for codes in admin.values()), admin
    lists = [label for label in admin if label.startswith("GET") and "{" not in label]
    assert all(200 in admin[label] for label in lists), admin
    assert any(201 in codes for codes in admin.values()), admin
    assert 200 in statuses["GET /.well-known/oauth-authorization-server/malls/{mall_id}"]
