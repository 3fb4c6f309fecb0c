"""The Admin API's call limit: a leaky bucket per (mall, app), shared by every worker process.

Cafe24's and Shopify's model (DESIGN.md, "Admin API"; CAFE24.md §9): every call pours one unit
into a bucket of ``AUTHSERVER_API_BUCKET_SIZE`` (40) that drains ``AUTHSERVER_API_LEAK_PER_SECOND``
(2) units a second; a call that would overflow it is refused with 429 and ``Retry-After`` (the
seconds until one unit has drained), and every answer says ``X-Api-Call-Limit: used/size``.
The bucket itself (the machine's SQLite store or Redis, the fallback) is
``authserver/security/ratelimit.py``, shared with the brute-force limits.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from flask import current_app

from authserver.security import ratelimit


class Decision(NamedTuple):
    """A call's answer from the limiter (a named tuple: one is made on every call)."""

    allowed: bool
    used: int
    size: int
    retry_after: int

    @property
    def header(self) -> str:
        return f"{self.used}/{self.size}"


def hit(mall_id: str, client_id: str) -> Decision:
    """Count one call of ``client_id`` on ``mall_id``; the decision and the header's numbers."""
    app = current_app
    config = app.config
    size = int(config["AUTHSERVER_API_BUCKET_SIZE"])
    rate = max(float(config["AUTHSERVER_API_LEAK_PER_SECOND"]), 0.001)
    key = ratelimit.key_with(ratelimit.key_prefix(config), "api-bucket", mall_id, client_id)
    allowed, level = ratelimit.buckets(app).pour_one(key, size, rate, config)
    used = min(size, math.ceil(level - 1e-9))
    retry = 0 if allowed else ratelimit.Bucket(key, size, rate).retry_after(level)
    return Decision(allowed, used, size, retry)
