"""Leaky buckets shared by the machine's workers (SQLite) or by every node (Redis): the one limiter.

Two policies use it: the Admin API's call limit per (mall, app) (``admin_api/ratelimit.py``) and
the brute-force limits on failed logins and failed client authentication
(``security/bruteforce.py``).

A bucket of ``size`` units drains ``rate`` units a second; pouring ``amount`` units succeeds
when they fit (the level rises) and is refused otherwise (the level stays). Pouring 0 units only
reads the drained level and writes nothing. A bucket is two numbers (level, time of the last
pour), and every worker process that serves a caller must see the same two numbers (DESIGN.md
promises 40 calls, not 40 per worker), so they are kept in one of two shared stores:

- by default, a small SQLite file of their own (``AUTHSERVER_RATELIMIT_PATH``, by default
  ``<instance>/ratelimit.sqlite``; not the main database, so an Admin API call never takes its
  writer lock, whichever database that is), shared by every worker process of the machine,
  whatever the server (gunicorn, granian). A pour is one atomic upsert computing the drained
  level in SQL; WAL, ``synchronous=OFF`` (the state need not survive a power loss), mode 0600;
  drained rows are deleted at most once a minute per process.
- with ``AUTHSERVER_REDIS_URL``, a short Lua script that Redis runs atomically, so that every
  node shares one bucket. The script reads Redis' own clock (``TIME``), so nodes with skewed
  clocks still agree, and lets an idle bucket's key expire once it has drained. Should Redis be
  unreachable, the machine's SQLite store counts instead (logged): a limiter outage neither
  takes the service down nor lifts the limit beyond one bucket per machine.

Cost (2026-12-03, the 2-core shared machine, one process, median of 20,000): a pour into the
SQLite store takes about 27 µs (a read, 8 µs), against 1.6 µs for the per-process dict it replaces,
which could not be shared. Through SQLAlchemy Core the same statement took 95-100 µs (SQLite
itself about 18 µs of it): the store is a counter of the machine, like Redis of several
nodes, and talks to its file with Python's sqlite3 module directly.

Why no library: the ``limits`` package (and Flask-Limiter on top of it) offers fixed, moving and
sliding windows, not a leaky bucket with fractional drain; a window would neither drain
continuously nor give the ``used/40`` that Cafe24 clients parse to pace themselves.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
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


#: One row per bucket (``WITHOUT ROWID``: the key is the table's only B-tree). ``until``: when
#: the level will have drained to 0, so the sweep finds drained rows without knowing rates.
_CREATE = """
CREATE TABLE IF NOT EXISTS bucket (
  key TEXT PRIMARY KEY, level REAL NOT NULL, at REAL NOT NULL, size REAL NOT NULL,
  rate REAL NOT NULL, allowed INTEGER NOT NULL, until REAL NOT NULL
) WITHOUT ROWID
"""
#: One bucket's pour, atomically: the inserted row is the answer for a new bucket (``amount``
#: fits or not, decided by the caller); for an existing one the stored level is drained to
#: ``:at`` and ``:amount`` poured when it fits. A refused pour stores the drained level at
#: ``:at``, the same state. In SET, the table's columns are the row's values before the update.
_POUR = """
INSERT INTO bucket (key, level, at, size, rate, allowed, until)
VALUES (:key, :level, :at, :size, :rate, :allowed, :until)
ON CONFLICT (key) DO UPDATE SET
  level = CASE WHEN max(0.0, level - max(0.0, excluded.at - at) * excluded.rate) + :amount
                    <= excluded.size
               THEN max(0.0, level - max(0.0, excluded.at - at) * excluded.rate) + :amount
               ELSE max(0.0, level - max(0.0, excluded.at - at) * excluded.rate) END,
  allowed = max(0.0, level - max(0.0, excluded.at - at) * excluded.rate) + :amount
            <= excluded.size,
  until = excluded.at + max(0.0, level - max(0.0, excluded.at - at) * excluded.rate)
          / excluded.rate,
  at = excluded.at, size = excluded.size, rate = excluded.rate
RETURNING level, allowed
"""
_READ = "SELECT level, at, rate FROM bucket WHERE key = ?"
_SWEEP = "DELETE FROM bucket WHERE until <= ?"


class SqliteBuckets:
    """Buckets shared by every worker process of one machine, in a SQLite file of their own.

    A counter store of the machine, as Redis is one of several nodes: two fixed statements on
    Python's sqlite3 module, no part of the relational data (``authserver/store``). A pour into
    a bucket is one statement, which SQLite runs under its writer lock: two workers pouring at
    once are serialized, each seeing the other's unit. The clock is the wall clock
    (``time.time()``), passed in: a monotonic clock is per process; a clock stepped back only
    pauses the drain (``max(0, now - at)``).
    """

    #: Drained rows are deleted at most this often per process, so the file stays small.
    SWEEP_EVERY = 60.0

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pid = 0
        self._connection: sqlite3.Connection | None = None
        self._inherited: list[sqlite3.Connection] = []
        self._next_sweep = 0.0

    def _open(self) -> sqlite3.Connection:
        """The file, created 0600 before SQLite opens it (its -wal and -shm files take the
        file's mode), in WAL with ``synchronous=OFF`` (no fsync: a power loss may lose the last
        pours, and rate-limit state need not survive one), autocommit (each pour is a
        transaction of its own) and a busy timeout (a worker waits for the other's pour, a few
        microseconds, instead of failing)."""
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=5.0
        )
        for pragma in ("journal_mode=WAL", "synchronous=OFF"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute(_CREATE)
        return connection

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The process's one connection, used under the lock (SQLite serializes the writes
        anyway). One inherited through fork() is the parent's: never used here, nor closed
        (closing a SQLite file in a process drops every lock the process holds on it)."""
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                if self._connection is not None:
                    self._inherited.append(self._connection)
                self._connection, self._pid = self._open(), os.getpid()
            yield self._connection

    def pour(self, buckets: Sequence[Bucket], amount: float) -> list[Poured]:
        now = time.time()
        with self._connect() as connection:
            if amount <= 0:  # a read: nothing written
                return [self._read(connection, bucket, now) for bucket in buckets]
            answers = [self._pour(connection, b.key, b.size, b.rate, amount, now) for b in buckets]
            self._sweep(connection, now)
        return answers

    def pour_one(self, key: str, size: float, rate: float, amount: float = 1) -> Poured:
        """``pour`` into one bucket, given by its fields (no ``Bucket`` nor list to build)."""
        now = time.time()
        with self._connect() as connection:
            answer = self._pour(connection, key, size, rate, amount, now)
            self._sweep(connection, now)
        return answer

    @staticmethod
    def _read(connection: sqlite3.Connection, bucket: Bucket, now: float) -> Poured:
        row = connection.execute(_READ, (bucket.key,)).fetchone()
        level = 0.0 if row is None else max(0.0, row[0] - max(0.0, now - row[1]) * row[2])
        return Poured(level <= bucket.size, level)

    @staticmethod
    def _pour(
        connection: sqlite3.Connection,
        key: str,
        size: float,
        rate: float,
        amount: float,
        now: float,
    ) -> Poured:
        fits = amount <= size
        level = float(amount) if fits else 0.0
        row = connection.execute(
            _POUR,
            {
                "key": key,
                "level": level,
                "at": now,
                "size": float(size),
                "rate": float(rate),
                "allowed": int(fits),
                "until": now + level / rate,
                "amount": float(amount),
            },
        ).fetchone()
        return Poured(bool(row[1]), float(row[0]))

    def _sweep(self, connection: sqlite3.Connection, now: float) -> None:
        """Delete the rows that have drained (an absent bucket is an empty one)."""
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            connection.execute(_SWEEP, (now,))

    def clear(self) -> None:
        with self._connect() as connection:
            connection.execute("DELETE FROM bucket")


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
    """The app's limiter: picks the store from the configuration on every call."""

    #: After a Redis failure, count in the machine's store for this long before trying Redis
    #: again, so that an unreachable Redis costs one timeout per interval, not one per call.
    RETRY_REDIS_AFTER = 5.0

    def __init__(self) -> None:
        self._local: dict[str, SqliteBuckets] = {}
        self._redis: dict[str, RedisBuckets] = {}
        self._redis_down_until: dict[str, float] = {}

    def _machine(self, config: Mapping[str, Any]) -> SqliteBuckets:
        """The machine-wide store at ``AUTHSERVER_RATELIMIT_PATH``."""
        path = config["AUTHSERVER_RATELIMIT_PATH"]
        return self._local.get(path) or self._local.setdefault(path, SqliteBuckets(path))

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
        config = current_app.config if config is None else config
        url = config.get("AUTHSERVER_REDIS_URL")
        if url and self._redis_down_until.get(url, 0.0) <= time.monotonic():
            try:
                backend = self._redis.get(url) or self._redis.setdefault(url, RedisBuckets(url))
                return backend.pour(buckets, amount)
            except Exception as error:  # the limiter must not take the service down
                self._redis_down_until[url] = time.monotonic() + self.RETRY_REDIS_AFTER
                current_app.logger.warning(
                    "Rate limit in Redis failed, counting in %s for %ss: %r",
                    config["AUTHSERVER_RATELIMIT_PATH"],
                    self.RETRY_REDIS_AFTER,
                    error,
                )
        return self._machine(config).pour(buckets, amount)

    def pour_one(self, key: str, size: float, rate: float, config: Mapping[str, Any]) -> Poured:
        """``pour([Bucket(key, size, rate)])[0]`` for a caller holding the app's ``config``: the
        Admin API pours one unit on every call, into the machine's store without Redis."""
        if config.get("AUTHSERVER_REDIS_URL"):
            return self.pour([Bucket(key, size, rate)], config=config)[0]
        return self._machine(config).pour_one(key, size, rate)

    def clear(self) -> None:
        """Empty every machine-wide store this limiter has opened (tests start afresh). Redis
        keys are left alone: other nodes share them, and each test deletes its own prefix."""
        for store in list(self._local.values()):
            store.clear()


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
