"""Where a request's time goes, in one process: CPU µs per request against the bare app.

    .venv/bin/python bench/profile.py [--database-url URL] [--requests 3000] [--scenarios ...]
    .venv/bin/pip install pyinstrument   # or: pip install -e '.[profile]'
    .venv/bin/python bench/profile.py --profile [--html DIR]

Seeds a database like the benchmark (SQLite in a temporary directory by default; a PostgreSQL
server URL gets a database created and dropped here), builds ``--requests`` WSGI requests of
each benchmark scenario and calls authserver's WSGI app with them directly (the whole stack,
access log included, without the server or the network). By default it prints the process CPU
time per request of authserver and of the bare Flask app (bench/bare_app.py) on the same
requests, best of three runs: a quick, fairly quiet measure of authserver's own cost while
changing code (the wall-clock ratio of bench/run.py also holds the server's and wrk's share, and
the database server's on PostgreSQL). ``--profile`` prints a pyinstrument profile per scenario
instead.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import SCENARIOS, Scenario  # noqa: E402
from bench.seeding import Seeded, create_postgres_database, seed  # noqa: E402

RUNS = 3


def environs(scenario: Scenario, seeded: Seeded, count: int, first: int = 0) -> list[dict]:
    """``count`` WSGI environs of ``scenario``; single-use bodies from number ``first`` on."""
    from werkzeug.test import EnvironBuilder

    headers, bodies = scenario.build(seeded)
    if scenario.method != "GET":  # as wrk.lua and real clients: a type only with a body
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    path = scenario.path.format(mall_id=seeded.mall_id)
    built = []
    for number in range(first, first + count):
        body = bodies[number % len(bodies)] if bodies else None
        builder = EnvironBuilder(
            path=path,
            method=scenario.method,
            headers=headers,
            data=body,
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        built.append(builder.get_environ())
    return built


def serve(app: Callable, environ: dict) -> int:
    """Call the WSGI app and consume its answer; the status code."""
    statuses: list[str] = []
    b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0])


def cpu_per_request(app: Callable, batches: list[list[dict]], expected: int) -> float:
    """Best process CPU µs per request over the batches (each environ is used once)."""
    best = float("inf")
    for batch in batches:
        started = time.process_time()
        statuses = {serve(app, environ) for environ in batch}
        best = min(best, (time.process_time() - started) / len(batch) * 1e6)
        if statuses != {expected}:
            raise SystemExit(f"expected {expected}, got {sorted(statuses)}")
    return best


@contextmanager
def quiet_access_log() -> Iterator[None]:
    """The access log formatted and written as in production, to /dev/null, then restored."""
    from authserver.platform.ops import ACCESS_LOGGER

    handlers = [
        handler
        for handler in logging.getLogger(ACCESS_LOGGER).handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    with open(os.devnull, "w") as devnull:
        saved = [(handler, handler.stream) for handler in handlers]
        for handler in handlers:
            handler.setStream(devnull)
        try:
            yield
        finally:
            for handler, stream in saved:
                handler.setStream(stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="sqlite:///... or a PostgreSQL server URL")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument("--profile", action="store_true", help="pyinstrument, not timings")
    parser.add_argument("--html", help="with --profile: also write one HTML profile per scenario")
    args = parser.parse_args(argv)
    wanted = args.scenarios.split(",")
    env = {
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    drop = None
    with tempfile.TemporaryDirectory(prefix="authserver-profile-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/profile.sqlite"
        if url.startswith("postgres"):
            url, drop = create_postgres_database(url)
        try:
            seeded = seed(url, env, codes=(RUNS + 1) * args.requests + 10, tokens=10_000)
            from authserver import create_app
            from bench.bare_app import app as bare

            app = create_app(
                {
                    **env,
                    "AUTHSERVER_DATABASE_URL": url,
                    "AUTHSERVER_API_BUCKET_SIZE": 10**9,
                    "AUTHSERVER_INSTANCE_PATH": tmp,
                }
            )
            with quiet_access_log():
                for scenario in [s for s in SCENARIOS if s.name in wanted]:
                    measure(app, bare, scenario, seeded, args)
            with app.app_context():
                from authserver.extensions import db

                db.engine.dispose()
        finally:
            if drop:
                drop()
    return 0


def measure(app, bare, scenario: Scenario, seeded: Seeded, args) -> None:
    count = args.requests
    # Single-use bodies (codes): each run gets its own block; the first block warms up.
    blocks = [environs(scenario, seeded, count, first=n * count) for n in range(RUNS + 1)]
    serve(app, blocks[0][0])
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for environ in blocks[1]:
            serve(app, environ)
        profiler.stop()
        print(f"\n===== {scenario.name}: {count} requests =====")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        if args.html:
            name = scenario.name.replace(" ", "_").replace("(", "").replace(")", "")
            Path(args.html, f"{name}.html").write_text(profiler.output_html())
        return
    placeholder = Seeded(codes=["x"], real=False)
    bare_blocks = [environs(scenario, placeholder, count) for _ in range(RUNS)]
    bare_us = cpu_per_request(bare, bare_blocks, 200)
    app_us = cpu_per_request(app, blocks[1:], scenario.status)
    print(
        f"{scenario.name:26} bare {bare_us:7.1f} µs   authserver {app_us:7.1f} µs   "
        f"({app_us / bare_us:.1f} x bare)",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
