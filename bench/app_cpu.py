"""The benchmark's WSGI wrapper: CPU time each server worker spends inside the app.

``bench/run.py`` serves every target through this module (``bench.app_cpu:app``), naming the
real app in ``BENCH_WSGI_APP`` (``module:attribute``), so the CPU per request of a target splits
into the WSGI app (Flask and, for authserver, its own work) and the rest (the server's parsing,
the socket calls, the kernel). Each worker counts requests and its thread's CPU nanoseconds
around the app call (the response body included) into a 16-byte file of its own, memory-mapped,
in ``BENCH_APP_CPU_DIR``: a store into memory per request, no system call, so the counting
itself costs well under a microsecond. ``totals`` sums the files; a run's figure is the
difference of the totals before and after it.
"""

from __future__ import annotations

import importlib
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_COUNTERS = struct.Struct("<QQ")  # requests, CPU nanoseconds


def totals(directory: Path) -> tuple[int, int]:
    """(requests, CPU ns) summed over every worker that has counted into ``directory``."""
    requests = nanoseconds = 0
    for path in directory.glob("*.cpu"):
        data = path.read_bytes()
        if len(data) == _COUNTERS.size:
            count, spent = _COUNTERS.unpack(data)
            requests, nanoseconds = requests + count, nanoseconds + spent
    return requests, nanoseconds


def _load(target: str) -> Callable:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class CountingApp:
    """Wraps a WSGI app; opens its counter file on the first request (after the fork)."""

    def __init__(self, inner: Callable, directory: Path):
        self.inner = inner
        self.directory = directory
        self.counters: mmap.mmap | None = None
        self.requests = self.nanoseconds = 0
        # A worker runs requests in several threads (AUTHSERVER_THREADS): one count at a time.
        self.lock = threading.Lock()

    def _open(self) -> mmap.mmap:
        path = self.directory / f"{os.getpid()}.cpu"
        path.write_bytes(bytes(_COUNTERS.size))
        with path.open("r+b") as file:
            return mmap.mmap(file.fileno(), _COUNTERS.size)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.thread_time_ns()
        result = self.inner(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):  # PEP 3333: the server calls it; we are the server here
                result.close()
        spent = time.thread_time_ns() - started
        with self.lock:
            self.nanoseconds += spent
            self.requests += 1
            if self.counters is None:
                self.counters = self._open()
            _COUNTERS.pack_into(self.counters, 0, self.requests, self.nanoseconds)
        return [body]


def __getattr__(name: str) -> CountingApp:
    """``app``, built when the server asks for it (PEP 562): importing ``totals`` needs no app."""
    if name != "app":
        raise AttributeError(name)
    return CountingApp(_load(os.environ["BENCH_WSGI_APP"]), Path(os.environ["BENCH_APP_CPU_DIR"]))
