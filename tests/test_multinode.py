"""Two real server processes (the production server, deploy/serve.py, on 127.0.0.1) sharing
one PostgreSQL database and one Redis:
a code issued through node A is redeemed on node B, refreshed on A; a token issued on A is
introspected by a gateway and used at the Admin API on B; the Admin API's rate-limit bucket is
one bucket for both nodes; concurrent redemptions of one code split across both nodes yield
exactly one token.

Redis: 127.0.0.1:6379 (AUTHSERVER_TEST_REDIS_URL overrides it), a key prefix unique to the run,
deleted afterwards; without a reachable Redis the module is skipped, except under CI.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from authserver import create_app
from authserver.extensions import db
from authserver.oauth.gateways import create_gateway
from authserver.store.schema import upgrade_database

from .helpers import REDIS_URL, Browser, World, exchange, make_world, redis_keyspace, refresh
from .servers import TEST_ENCRYPTION_KEY, production_server

#: The Admin API bucket of the cluster: DESIGN.md's 40 calls, drained slowly enough that a
#: loaded CI machine cannot drain a unit while the test fills the bucket.
BUCKET_SIZE, LEAK_PER_SECOND = 40, 0.05


def postgres_url() -> str:
    url = os.environ.get("AUTHSERVER_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        pytest.skip("several nodes need PostgreSQL: set AUTHSERVER_TEST_DATABASE_URL (CI does)")
    return url


@dataclass
class Cluster:
    a: str
    b: str
    world: World
    gateway: tuple[str, str]


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[str]:
    with redis_keyspace("nodes") as (_, prefix):
        yield prefix


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, shared_redis) -> Iterator[Cluster]:
    server = make_url(postgres_url())
    name = f"authserver_nodes_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = server.set(database=name).render_as_string(hide_password=False)
    instance = tmp_path_factory.mktemp("nodes")
    env = {
        **os.environ,
        "AUTHSERVER_DATABASE_URL": database_url,
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "AUTHSERVER_INSTANCE_PATH": str(instance),
        # wsgi.py refuses to start without an issuer or trusted hosts (issue 16 item 5).
        "AUTHSERVER_TRUSTED_HOSTS": "127.0.0.1",
        "AUTHSERVER_WORKERS": "2",
        "AUTHSERVER_THREADS": "4",
        "AUTHSERVER_PROXY_HOPS": "0",
        "AUTHSERVER_REDIS_URL": REDIS_URL,
        "AUTHSERVER_REDIS_KEY_PREFIX": shared_redis,
        "AUTHSERVER_API_BUCKET_SIZE": str(BUCKET_SIZE),
        "AUTHSERVER_API_LEAK_PER_SECOND": str(LEAK_PER_SECOND),
    }
    seed_app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": env["AUTHSERVER_SECRET_KEY"],
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        }
    )
    try:
        with seed_app.app_context(), contextlib.ExitStack() as stack:
            upgrade_database()  # `init-db`: the migrated schema, before any node starts
            world = make_world()
            gateway, gateway_secret = create_gateway("cluster gateway")
            gateway_credentials = (gateway.client_id, gateway_secret)
            db.session.remove()
            db.engine.dispose()
            a, b = (
                stack.enter_context(production_server(env, instance / f"node-{name}.log"))
                for name in "ab"
            )
            yield Cluster(a.url, b.url, world, gateway_credentials)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_code_from_a_redeemed_on_b_refreshed_on_a(cluster):
    world, client = cluster.world, cluster.world.web
    browser = Browser(cluster.a, world.mall_id)
    assert browser.login().status_code in (302, 303)
    code = browser.authorize(client)["code"]

    token = exchange(cluster.b, world.mall_id, client, code)
    assert token.status_code == 200, token.text
    renewed = refresh(cluster.a, world.mall_id, client, token.json()["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    # The old refresh token is dead on both nodes.
    again = refresh(cluster.b, world.mall_id, client, token.json()["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def _token_from(node: str, cluster: Cluster) -> str:
    world, client = cluster.world, cluster.world.web
    browser = Browser(node, world.mall_id)
    browser.login()
    code = browser.authorize(client)["code"]
    token = exchange(node, world.mall_id, client, code)
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


def test_token_from_a_introspected_and_used_on_b(cluster):
    mall_id = cluster.world.mall_id
    token = _token_from(cluster.a, cluster)
    introspected = requests.post(
        f"{cluster.b}/malls/{mall_id}/api/v2/oauth/introspect",
        auth=cluster.gateway,
        data={"token": token},
    )
    assert introspected.status_code == 200, introspected.text
    body = introspected.json()
    assert body["active"] is True and body["client_id"] == cluster.world.web.client_id
    assert body["mall_id"] == mall_id and "mall.read_product" in body["scope"].split()
    products = requests.get(
        f"{cluster.b}/malls/{mall_id}/api/v2/admin/products",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert products.status_code == 200, products.text
    assert products.json() == {"products": []}


def test_rate_limit_bucket_is_shared_by_both_nodes(cluster, shared_redis):
    """40 calls spread over A and B fill one bucket in Redis; the 41st is refused on either."""
    import redis

    mall_id = cluster.world.mall_id
    token = _token_from(cluster.b, cluster)
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{shared_redis}*"):  # start from an empty bucket
        client.delete(key)
    client.close()
    headers = {"Authorization": f"Bearer {token}"}

    def call(node: str) -> requests.Response:
        return requests.get(f"{node}/malls/{mall_id}/api/v2/admin/products", headers=headers)

    answers = [call(cluster.a if i % 2 else cluster.b) for i in range(BUCKET_SIZE)]
    assert [r.status_code for r in answers] == [200] * BUCKET_SIZE
    used = sorted(int(r.headers["X-Api-Call-Limit"].split("/")[0]) for r in answers)
    assert used[-1] == BUCKET_SIZE  # one bucket counted every call, whichever node served it
    for node in (cluster.a, cluster.b):
        refused = call(node)
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["X-Api-Call-Limit"] == f"{BUCKET_SIZE}/{BUCKET_SIZE}"


def test_concurrent_redemptions_across_nodes_yield_one_token(cluster):
    world, client = cluster.world, cluster.world.web
    browser = Browser(cluster.a, world.mall_id)
    browser.login()
    for _round in range(3):
        code = browser.authorize(client)["code"]
        barrier = threading.Barrier(20)
        results: list[tuple[int, str]] = []
        lock = threading.Lock()

        def redeem(base, code, barrier, results, lock) -> None:
            barrier.wait()
            response = exchange(base, world.mall_id, client, code)
            with lock:
                results.append((response.status_code, response.json().get("error", "")))

        threads = [
            threading.Thread(
                target=redeem,
                args=(cluster.a if i % 2 else cluster.b, code, barrier, results, lock),
            )
            for i in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == [(200, "")] + [(400, "invalid_grant")] * 19, results


def test_node_ignores_spoofed_forwarded_proto(cluster):
    """No proxy configured (AUTHSERVER_PROXY_HOPS=0): the server trusts no X-Forwarded-Proto
    of its own either (item 40)."""
    response = requests.get(
        f"{cluster.a}/healthz", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"}
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
