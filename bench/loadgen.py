"""A small keep-alive HTTP load generator for machines without wrk: N threads, fixed duration."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def run(
    base_url: str,
    method: str,
    path: str,
    headers: dict[str, str],
    bodies: Iterator[str],
    connections: int,
    seconds: float,
    expected_status: int = 200,
) -> LoadResult:
    """Send requests from ``connections`` threads for ``seconds``; any other status than
    ``expected_status`` is an error."""
    parts = urlsplit(base_url)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            with lock:
                body = next(bodies, None)
            if body is None:
                break
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body if method != "GET" else None, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != expected_status:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        len(latencies), elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99), errors[0]
    )
