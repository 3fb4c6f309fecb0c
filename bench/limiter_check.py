"""The Admin API limiter under the production server: 40 calls fill the bucket, the 41st is a
429 at once, and half a second later (2 units drain per second) one more call is allowed. On a
machine too loaded to send 40 calls within half a second, units drain meanwhile: the check then
pours until the first 429 and accepts at most 40 + 2 x (elapsed seconds) calls.

Runs a separate short-lived server on the benchmark's database with the configured bucket
(40, 2/s) in Redis, so that every worker shares it (the machine-wide fallback would count per node),
under a key prefix of its own that is deleted afterwards.
"""

from __future__ import annotations

import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.harness import Server, start_server


def run(server: Server, redis_url: str, workdir: Path) -> str:
    import redis

    prefix = f"authserver-bench-{secrets.token_hex(4)}:"
    env = {
        **server.env,
        "AUTHSERVER_API_BUCKET_SIZE": "40",
        "AUTHSERVER_API_LEAK_PER_SECOND": "2",
        "AUTHSERVER_REDIS_URL": redis_url,
        "AUTHSERVER_REDIS_KEY_PREFIX": prefix,
    }
    client = redis.Redis.from_url(redis_url)
    client.ping()  # no Redis, no check: say so instead of measuring per-worker buckets
    limited = start_server(
        f"{server.name}-limiter", "wsgi:app", env, server.seeded, workdir, server.cwd
    )
    seeded = server.seeded
    url = f"{limited.base}/malls/{seeded.mall_id}/api/v2/admin/products"
    headers = {"Authorization": f"Bearer {seeded.access_token}"}
    try:
        with requests.Session() as warm:  # every worker has imported and connected
            for _ in range(16):
                warm.get(f"{limited.base}/readyz")
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            first = list(pool.map(lambda _: requests.get(url, headers=headers), range(40)))
        filled = time.perf_counter() - started
        refused = requests.get(url, headers=headers)
        refused_at = time.perf_counter() - started
        extra = 0  # on a loaded machine the bucket drained while it was filled: keep pouring
        while refused.status_code == 200 and extra < 40:
            extra += 1
            refused = requests.get(url, headers=headers)
        refused_at = time.perf_counter() - started
        time.sleep(0.5)
        later = requests.get(url, headers=headers)
    finally:
        limited.stop()
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    statuses = sorted({r.status_code for r in first})
    # 2 units drain per second: by the time of the refusal at most 40 + 2 x t calls fit.
    allowed = 40 + extra
    ok = (
        statuses == [200]
        and refused.status_code == 429
        and refused.headers.get("Retry-After") is not None
        and allowed <= 40 + math.ceil(2 * refused_at)
        and later.status_code == 200
    )
    return (
        f"{'OK' if ok else 'FAILED'}: 40 calls in {filled * 1000:.0f} ms -> {statuses}; "
        f"call {allowed + 1} at {refused_at * 1000:.0f} ms -> {refused.status_code} "
        f"(Retry-After {refused.headers.get('Retry-After')}, "
        f"X-Api-Call-Limit {refused.headers.get('X-Api-Call-Limit')}); "
        f"0.5 s later -> {later.status_code} ({later.headers.get('X-Api-Call-Limit')})"
    )
