"""The Admin API's call limit: a leaky bucket per (mall, app), in the process or in Redis.

Cafe24's and Shopify's model (DESIGN.md, "Admin API"; CAFE24.md §9): every call pours one unit
into a bucket of ``AUTHSERVER_API_BUCKET_SIZE`` (40) that drains ``AUTHSERVER_API_LEAK_PER_SECOND``
(2) units a second; a call that would overflow it is refused with 429 and ``Retry-After`` (the
seconds until one unit has drained), and every answer says ``X-Api-Call-Limit: used/size``.
The bucket itself (memory or Redis, the Lua script, the fallback) is ``authserver/ratelimit.py``,
shared with the brute-force limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app

from .. import ratelimit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    used: int
    size: int
    retry_after: int

    @property
    def header(self) -> str:
        return f"{self.used}/{self.size}"


def hit(mall_id: str, client_id: str) -> Decision:
    """Count one call of ``client_id`` on ``mall_id``; the decision and the header's numbers."""
    config = current_app.config
    size = int(config["AUTHSERVER_API_BUCKET_SIZE"])
    rate = max(float(config["AUTHSERVER_API_LEAK_PER_SECOND"]), 0.001)
    bucket = ratelimit.Bucket(ratelimit.key("api-bucket", mall_id, client_id), size, rate)
    (poured,) = ratelimit.buckets().pour([bucket])
    used = min(size, math.ceil(poured.level - 1e-9))
    retry = 0 if poured.allowed else bucket.retry_after(poured.level)
    return Decision(poured.allowed, used, size, retry)
