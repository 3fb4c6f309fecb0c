"""The production server: granian serving authserver's WSGI app, configured from the environment.

    python deploy/serve.py [module:app]      (``make serve``; default target ``wsgi:app``)

HOST/PORT                 bind address (default 127.0.0.1:8000; 0.0.0.0 only behind a proxy)
AUTHSERVER_WORKERS        worker processes (default one per core, 2 to 8: each holds a DB pool)
AUTHSERVER_THREADS        Python threads per worker running requests (granian's blocking threads;
                          default 2)
AUTHSERVER_BACKPRESSURE   connections a worker serves at once (default 128); more wait for
                          it to accept them
AUTHSERVER_WORKERS_LIFETIME  seconds before a worker is gracefully replaced (default: never)
AUTHSERVER_LOG_LEVEL      granian's own log level (default info)

Signals to the main process: SIGHUP replaces the workers one by one, each new worker started
before its predecessor stops taking requests (graceful restart, e.g. after a deploy);
SIGTERM or SIGINT stops, letting requests in flight finish (up to 30 s).

A launcher script rather than granian's CLI flags: the defaults above are one rule (one worker
per core, threads = backpressure) kept in one place and shared by ``make serve``, the tests
(tests/servers.py) and the benchmark (bench/run.py), and each worker freezes its start-up
objects out of the garbage collector's sight. It imports only granian, never authserver, so
the workers import the app from the working directory after the fork (bench/run.py serves an
older checkout's ``wsgi:app`` the same way).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server


def _int(environ: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = environ.get(name, "").strip()
    return int(raw) if raw else default


def settings(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """granian's ``Server`` keyword arguments for this environment."""
    # One worker per core (at least 2), not more: a request here is CPU work with short
    # database waits, so a worker beyond the cores only takes turns with the others (measured
    # under gunicorn, 2026-11-27; under granian, 2026-12-03, 3 workers on 2 cores were no
    # faster than 2 and had the worse p99: bench/results.md).
    workers = _int(environ, "AUTHSERVER_WORKERS", min(max(os.cpu_count() or 2, 2), 8))
    # Few Python threads: they share one interpreter lock, so more threads only queue inside
    # Python, where no one can see the wait. granian's default (half its backpressure: 256 per
    # worker here) lets a burst run hundreds of requests at once, each slowed by all the
    # others, and outgrow the database pool (30 per worker); requests beyond the threads wait
    # in granian's queue instead.
    threads = max(1, _int(environ, "AUTHSERVER_THREADS", 2))
    # Not as low as the threads: a connection holds its slot while idle between keep-alive
    # requests, so with backpressure 2 four idle connections stalled every other client for
    # the 30 s header-read timeout (bench/limiter_check.py, 2026-12-03; bench/results.md).
    backpressure = max(threads, _int(environ, "AUTHSERVER_BACKPRESSURE", 128))
    return {
        "address": environ.get("HOST") or "127.0.0.1",
        "port": _int(environ, "PORT", 8000),
        "interface": Interfaces.WSGI,
        "workers": max(1, workers),
        "blocking_threads": threads,
        "backpressure": backpressure,
        # Behind nginx or a load balancer: HTTP/1.1 with keep-alive, no HTTP/2 or websockets.
        "http": HTTPModes.http1,
        "http1_settings": HTTP1Settings(keep_alive=True, header_read_timeout=30_000),
        "websockets": False,
        # authserver.platform.ops writes one JSON line per request with secrets redacted; granian's
        # access log would print the raw query string, and each request would log twice.
        "log_access": False,
        "log_level": LogLevels(environ.get("AUTHSERVER_LOG_LEVEL", "info").lower()),
        # A crashed worker is replaced, as gunicorn's master did.
        "respawn_failed_workers": True,
        "workers_lifetime": _int(environ, "AUTHSERVER_WORKERS_LIFETIME", None),
        # Graceful stop and restart: requests in flight get this long to finish.
        "workers_kill_timeout": 30,
    }


def load_frozen(target: str) -> Callable[..., Any]:
    """Import ``module:attribute`` in the worker, then freeze what it built at start-up.

    Modules, models, compiled statements and Authlib's server live as long as the worker;
    without ``gc.freeze`` (Python 3.7+) every full collection walks them all (about 150 ms
    with the app loaded, a pause on whichever request triggers it)."""
    module, _, attribute = target.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module), attribute or "app")
    gc.collect()
    gc.freeze()
    return app


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = args[0] if args else "wsgi:app"
    Server(target, **settings()).serve(target_loader=load_frozen)


if __name__ == "__main__":
    main()
