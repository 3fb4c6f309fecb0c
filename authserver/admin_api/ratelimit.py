"""The Admin API's call limit: a leaky bucket per (mall, app), in the process or in Redis.

Cafe24's and Shopify's model (DESIGN.md, "Admin API"; CAFE24.md §9): every call pours one unit
into a bucket of ``AUTHSERVER_API_BUCKET_SIZE`` (40) that drains ``AUTHSERVER_API_LEAK_PER_SECOND``
(2) units a second; a call that would overflow it is refused with 429 and ``Retry-After`` (the
seconds until one unit has drained), and every answer says ``X-Api-Call-Limit: used/size``.

Why no library: the ``limits`` package (and Flask-Limiter on top of it) offers fixed, moving and
sliding windows, not a leaky bucket with fractional drain; a window would neither drain
continuously nor give the ``used/40`` that Cafe24 clients parse to pace themselves. A true leaky
bucket is two numbers (level, time of the last call), so it is written here twice: a dict under
a lock for one process, and a short Lua script that Redis runs atomically when
``AUTHSERVER_REDIS_URL`` is set, so that every server process shares one bucket. The script
reads Redis' own clock (``TIME``), so nodes with skewed clocks still agree, and lets an idle
bucket's key expire once it has drained. Should Redis be unreachable, the call is counted in the
process instead (logged): a limiter outage neither takes the API down nor lifts the limit.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app

_EXTENSION = "authserver.api_buckets"

#: KEYS[1] the bucket; ARGV size, leak per second. Returns {allowed 0|1, level as a string}.
LEAKY_BUCKET_LUA = """
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
level = math.max(0, level - math.max(0, now - at) * rate)
local allowed = 0
if level + 1 <= size then
  level = level + 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(level / rate) + 1)
return {allowed, tostring(level)}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    used: int
    size: int
    retry_after: int

    @property
    def header(self) -> str:
        return f"{self.used}/{self.size}"


def _decide(allowed: bool, level: float, size: int, rate: float) -> Decision:
    used = min(size, math.ceil(level - 1e-9))
    retry = 0 if allowed else max(1, math.ceil((level + 1 - size) / rate))
    return Decision(allowed, used, size, retry)


class MemoryBuckets:
    """Buckets of one process: ``key -> (level, monotonic time of the last call)``."""

    _SWEEP_AT = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def hit(self, key: str, size: int, rate: float) -> Decision:
        now = time.monotonic()
        with self._lock:
            level, at = self._state.get(key, (0.0, now))
            level = max(0.0, level - (now - at) * rate)
            allowed = level + 1 <= size
            if allowed:
                level += 1
            self._state[key] = (level, now)
            if len(self._state) > self._SWEEP_AT:
                self._sweep(now, rate)
        return _decide(allowed, level, size, rate)

    def _sweep(self, now: float, rate: float) -> None:
        """Forget buckets that have drained (they would start empty anyway)."""
        for key, (level, at) in list(self._state.items()):
            if level - (now - at) * rate <= 0:
                del self._state[key]


class RedisBuckets:
    """Buckets shared by every process through one Redis (``AUTHSERVER_REDIS_URL``)."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._client.register_script(LEAKY_BUCKET_LUA)

    def hit(self, key: str, size: int, rate: float) -> Decision:
        allowed, level = self._script(keys=[key], args=[size, repr(float(rate))])
        return _decide(bool(allowed), float(level), size, rate)


class Buckets:
    """The app's limiter: picks the backend from the configuration on every call."""

    #: After a Redis failure, count in the process for this long before trying Redis again,
    #: so that an unreachable Redis costs one timeout per interval, not one per call.
    RETRY_REDIS_AFTER = 5.0

    def __init__(self) -> None:
        self.memory = MemoryBuckets()
        self._redis: dict[str, RedisBuckets] = {}
        self._redis_down_until: dict[str, float] = {}

    def hit(self, mall_id: str, client_id: str) -> Decision:
        config = current_app.config
        size = int(config["AUTHSERVER_API_BUCKET_SIZE"])
        rate = max(float(config["AUTHSERVER_API_LEAK_PER_SECOND"]), 0.001)
        prefix = config.get("AUTHSERVER_REDIS_KEY_PREFIX") or "authserver:"
        key = f"{prefix}api-bucket:{mall_id}:{client_id}"
        url = config.get("AUTHSERVER_REDIS_URL")
        if url and self._redis_down_until.get(url, 0.0) <= time.monotonic():
            try:
                backend = self._redis.get(url) or self._redis.setdefault(url, RedisBuckets(url))
                return backend.hit(key, size, rate)
            except Exception as error:  # the limiter must not take the API down
                self._redis_down_until[url] = time.monotonic() + self.RETRY_REDIS_AFTER
                current_app.logger.warning(
                    "Rate limit in Redis failed, counting in the process for %ss: %r",
                    self.RETRY_REDIS_AFTER,
                    error,
                )
        return self.memory.hit(key, size, rate)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = Buckets()


def hit(mall_id: str, client_id: str) -> Decision:
    """Count one call of ``client_id`` on ``mall_id``; the decision and the header's numbers."""
    return current_app.extensions[_EXTENSION].hit(mall_id, client_id)
