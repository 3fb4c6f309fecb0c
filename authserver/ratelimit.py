"""Leaky buckets, in the process or shared through Redis: the one limiter of the project.

Two policies use it: the Admin API's call limit per (mall, app) (``admin_api/ratelimit.py``) and
the brute-force limits on failed logins and failed client authentication (``bruteforce.py``).

A bucket of ``size`` units drains ``rate`` units a second; pouring ``amount`` units succeeds
when they fit (the level rises) and is refused otherwise (the level stays). Pouring 0 units only
reads the drained level and writes nothing. A bucket is two numbers (level, time of the last
pour), so it is written here twice: a dict under a lock for one process, and a short Lua script
that Redis runs atomically when ``AUTHSERVER_REDIS_URL`` is set, so that every server process
shares one bucket. The script reads Redis' own clock (``TIME``), so nodes with skewed clocks
still agree, and lets an idle bucket's key expire once it has drained. Should Redis be
unreachable, the process counts instead (logged): a limiter outage neither takes the service
down nor lifts the limit.

Why no library: the ``limits`` package (and Flask-Limiter on top of it) offers fixed, moving and
sliding windows, not a leaky bucket with fractional drain; a window would neither drain
continuously nor give the ``used/40`` that Cafe24 clients parse to pace themselves.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import Flask, current_app

_EXTENSION = "authserver.buckets"

#: KEYS the buckets; ARGV[1] the amount, then (size, leak per second) per key.
#: Returns {allowed 0|1, level as a string} per key.
LEAKY_BUCKET_LUA = """
local amount = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local answer = {}
for i, key in ipairs(KEYS) do
  local size = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'level', 'at')
  local level = tonumber(state[1]) or 0
  local at = tonumber(state[2]) or now
  level = math.max(0, level - math.max(0, now - at) * rate)
  local allowed = 0
  if level + amount <= size then
    level = level + amount
    allowed = 1
  end
  if amount > 0 and allowed == 1 then
    redis.call('HSET', key, 'level', tostring(level), 'at', tostring(now))
    redis.call('EXPIRE', key, math.ceil(level / rate) + 1)
  end
  table.insert(answer, allowed)
  table.insert(answer, tostring(level))
end
return answer
"""


@dataclass(frozen=True)
class Bucket:
    key: str
    size: float
    rate: float

    def retry_after(self, level: float, amount: float = 1) -> int:
        """Seconds until ``amount`` more units fit (0 when they fit now)."""
        if level + amount <= self.size:
            return 0
        return max(1, math.ceil((level + amount - self.size) / self.rate))


class Poured(NamedTuple):
    """A pour's answer (a named tuple: the Admin API makes one on every call)."""

    allowed: bool
    level: float


class MemoryBuckets:
    """Buckets of one process: ``key -> (level, monotonic time of the last pour)``."""

    _SWEEP_AT = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        #: Seconds that never go back. A public seam so that tests drain buckets by moving a
        #: clock instead of sleeping: time-machine moves the wall clock, not ``time.monotonic``.
        self.clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float, float]] = {}

    def pour(self, buckets: Sequence[Bucket], amount: float) -> list[Poured]:
        now = self.clock()
        with self._lock:
            answers = [self._pour(b.key, b.size, b.rate, amount, now) for b in buckets]
            if len(self._state) > self._SWEEP_AT:
                self._sweep(now)
        return answers

    def pour_one(self, key: str, size: float, rate: float, amount: float = 1) -> Poured:
        """``pour`` into one bucket, given by its fields (no ``Bucket`` nor list to build)."""
        now = self.clock()
        with self._lock:
            answer = self._pour(key, size, rate, amount, now)
            if len(self._state) > self._SWEEP_AT:
                self._sweep(now)
        return answer

    def _pour(self, key: str, size: float, rate: float, amount: float, now: float) -> Poured:
        """One bucket's pour, under the lock."""
        level, at, _ = self._state.get(key, (0.0, now, rate))
        level = max(0.0, level - (now - at) * rate)
        allowed = level + amount <= size
        if allowed and amount > 0:
            level += amount
            self._state[key] = (level, now, rate)
        return Poured(allowed, level)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()

    def _sweep(self, now: float) -> None:
        """Forget buckets that have drained (they would start empty anyway)."""
        for key, (level, at, rate) in list(self._state.items()):
            if level - (now - at) * rate <= 0:
                del self._state[key]


class RedisBuckets:
    """Buckets shared by every process through one Redis (``AUTHSERVER_REDIS_URL``)."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._client.register_script(LEAKY_BUCKET_LUA)

    def pour(self, buckets: Sequence[Bucket], amount: float) -> list[Poured]:
        args: list[str] = [repr(float(amount))]
        for bucket in buckets:
            args += [repr(float(bucket.size)), repr(float(bucket.rate))]
        flat = self._script(keys=[bucket.key for bucket in buckets], args=args)
        return [Poured(bool(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]


class Buckets:
    """The app's limiter: picks the backend from the configuration on every call."""

    #: After a Redis failure, count in the process for this long before trying Redis again,
    #: so that an unreachable Redis costs one timeout per interval, not one per call.
    RETRY_REDIS_AFTER = 5.0

    def __init__(self) -> None:
        self.memory = MemoryBuckets()
        self._redis: dict[str, RedisBuckets] = {}
        self._redis_down_until: dict[str, float] = {}

    def pour(
        self,
        buckets: Sequence[Bucket],
        amount: float = 1,
        config: Mapping[str, Any] | None = None,
    ) -> list[Poured]:
        """Pour ``amount`` into each bucket (0: just read the levels); ``config``: the app's,
        when the caller holds it."""
        if not buckets:
            return []
        url = (current_app.config if config is None else config).get("AUTHSERVER_REDIS_URL")
        if url and self._redis_down_until.get(url, 0.0) <= time.monotonic():
            try:
                backend = self._redis.get(url) or self._redis.setdefault(url, RedisBuckets(url))
                return backend.pour(buckets, amount)
            except Exception as error:  # the limiter must not take the service down
                self._redis_down_until[url] = time.monotonic() + self.RETRY_REDIS_AFTER
                current_app.logger.warning(
                    "Rate limit in Redis failed, counting in the process for %ss: %r",
                    self.RETRY_REDIS_AFTER,
                    error,
                )
        return self.memory.pour(buckets, amount)

    def pour_one(self, key: str, size: float, rate: float, config: Mapping[str, Any]) -> Poured:
        """``pour([Bucket(key, size, rate)])[0]`` for a caller holding the app's ``config``: the
        Admin API pours one unit on every call, into the process's buckets without Redis."""
        if config.get("AUTHSERVER_REDIS_URL"):
            return self.pour([Bucket(key, size, rate)], config=config)[0]
        return self.memory.pour_one(key, size, rate)


def key(*parts: str) -> str:
    """A Redis key under the configured prefix: ``<prefix><part>:<part>...``."""
    return key_with(key_prefix(), *parts)


def key_prefix(config: Mapping[str, Any] | None = None) -> str:
    """The configured prefix of the keys (``config``: the app's, when the caller holds it)."""
    config = current_app.config if config is None else config
    return config.get("AUTHSERVER_REDIS_KEY_PREFIX") or "authserver:"


def key_with(prefix: str, *parts: str) -> str:
    """:func:`key` with the prefix already read from the configuration."""
    return prefix + ":".join(parts)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = Buckets()


def buckets(app: Flask | None = None) -> Buckets:
    """The limiter of ``app`` (by default the current one)."""
    return (current_app if app is None else app).extensions[_EXTENSION]
