"""Benchmark: authserver, a baseline git ref, bare Flask and node-oidc-provider, one run.

    python bench/run.py [--seconds 10] [--connections 32] [--repeat 3] [--baseline main]
                        [--targets bare,sqlite,postgresql,peer] [--env NAME=VALUE ...]

Every Python target is served by the production server, ``deploy/serve.py`` (granian), with
the same settings (``--env`` changes them for all: AUTHSERVER_WORKERS, AUTHSERVER_THREADS,
AUTHSERVER_BACKPRESSURE), on 127.0.0.1:

- ``bare``: bench/bare_app.py, fixed JSON on the same routes (the ceiling of the stack);
- ``sqlite``, ``postgresql``: this checkout (SQLite in a temporary directory; PostgreSQL in a
  database created and dropped here), seeded by bench/seeding.py;
- ``baseline-sqlite``, ``baseline-postgresql`` (with ``--baseline <ref>``): ``wsgi:app`` of a
  git worktree of that ref, seeded by the ref's own bench/seeding.py alike, served by THIS
  checkout's launcher, so both are served the same way; the worktree is removed at the end;
- ``peer``: node-oidc-provider's introspection, in-memory store (bench/peer/, pinned npm
  package), introspection only.

``--repeat`` rounds load each scenario on each target in turn with wrk (or bench/loadgen.py
when wrk is absent), so ratios compare runs seconds apart on a shared machine. Prints and
writes to bench/results.md (``--output``) the medians: requests/s, p50, p99, errors (any status
but the expected one), the ratio to bare, new / baseline per scenario and database, and SQLite
introspection / the peer. Throughput runs set the Admin API bucket out of the way; a separate
short run per database shows the limiter answering 429 on time. A script, not a test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import app_cpu, baseline, limiter_check, peer, report  # noqa: E402
from bench.harness import (  # noqa: E402
    Server,
    clean_up_on_sigterm,
    group_cpu_seconds,
    machine_busy_seconds,
    run_load,
    start_server,
)
from bench.seeding import REDIRECT_URI, Seeded, create_postgres_database, seed  # noqa: E402


@dataclass
class Scenario:
    name: str
    method: str
    path: str  # ``{mall_id}`` is filled in
    #: seeded -> (headers, one body per request); GET scenarios return empty bodies
    build: Callable[[Seeded], tuple[dict[str, str], list[str]]]
    #: the issue's goal for authserver / bare
    goal: float
    #: the answer every request must get from authserver (anything else is an error)
    status: int = 200
    #: each body may be sent once (authorization codes)
    single_use: bool = False


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_exchange(seeded: Seeded) -> tuple[dict[str, str], list[str]]:
    bodies = [
        urlencode({"grant_type": "authorization_code", "code": c, "redirect_uri": REDIRECT_URI})
        for c in seeded.codes
    ]
    return {"Authorization": basic(seeded.client_id, seeded.client_secret)}, bodies


def introspection(seeded: Seeded) -> tuple[dict[str, str], list[str]]:
    body = urlencode({"token": seeded.access_token})
    return {"Authorization": basic(seeded.gateway_id, seeded.gateway_secret)}, [body]


def bearer(seeded: Seeded) -> tuple[dict[str, str], list[str]]:
    return {"Authorization": f"Bearer {seeded.access_token}"}, []


ADMIN = "/malls/{mall_id}/api/v2/admin"
OAUTH = "/malls/{mall_id}/api/v2/oauth"
SCENARIOS: list[Scenario] = [
    Scenario("introspection", "POST", OAUTH + "/introspect", introspection, 0.7),
    Scenario("admin GET", "GET", ADMIN + "/products", bearer, 0.7),
    # The token holds mall.read_product and mall.read_order; customers need mall.read_customer.
    Scenario("admin GET no scope (404)", "GET", ADMIN + "/customers", bearer, 0.7, status=404),
    Scenario("code exchange", "POST", OAUTH + "/token", code_exchange, 0.35, single_use=True),
]


def base_env() -> dict[str, str]:
    return {
        **os.environ,
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        # Throughput runs keep the Admin API's rate limit out of the way.
        "AUTHSERVER_API_BUCKET_SIZE": "100000000",
        # wsgi.py refuses to start without an issuer or trusted hosts; the load is on loopback.
        "AUTHSERVER_TRUSTED_HOSTS": os.environ.get("AUTHSERVER_TRUSTED_HOSTS") or "127.0.0.1",
    }


BASELINE = "baseline-"
#: Codes pre-issued per second of exchange load: a run that redeems them faster runs out, and
#: its answers are errors (the goal is 2,000 a second on SQLite).
CODES_PER_SECOND = 4000


def prepare(
    target: str, args, workdir: Path, cleanups: list, checkout: Path | None
) -> tuple[dict[str, str], Seeded]:
    """Environment and seeded data of one target (the bare app gets placeholders). Every
    database target gets a database of its own, seeded alike: the codes are single-use."""
    env = {**base_env(), **args.env, "AUTHSERVER_INSTANCE_PATH": str(workdir / target)}
    if target == "bare":
        return env, Seeded(codes=["x"], real=False)
    if target.removeprefix(BASELINE) == "sqlite":
        database_url = f"sqlite:///{workdir / target}.sqlite"
    else:
        database_url, drop = create_postgres_database(args.postgres_url)
        cleanups.append(drop)
    env["AUTHSERVER_DATABASE_URL"] = database_url
    started = time.monotonic()
    if checkout is not None:
        env = baseline.app_env(env)
        seeded = baseline.seed(checkout, database_url, env, args.codes, args.tokens)
    else:
        seeded = seed(database_url, env, args.codes, args.tokens)
    print(
        f"  seeded {target} in {time.monotonic() - started:.1f}s "
        f"({args.codes} codes; {seeded.tokens} tokens in {seeded.token_seconds:.1f}s)",
        flush=True,
    )
    return env, seeded


def start(target: str, args, workdir: Path, cleanups: list, checkout: Path | None) -> Server:
    """Prepare and serve one target."""
    if target == "peer":
        return peer.start(workdir)
    env, seeded = prepare(target, args, workdir, cleanups, checkout)
    if target == "bare":
        return start_server(target, "bench.bare_app:app", env, seeded, workdir)
    if checkout is not None:
        counted = baseline.counting_app_exists(checkout)
        return start_server(target, "wsgi:app", env, seeded, workdir, checkout, counted)
    return start_server(target, "wsgi:app", env, seeded, workdir)


def load_scenario(server: Server, scenario: Scenario, args, number: int) -> dict:
    """One load run; single-use bodies: round ``number`` gets its own block of the codes.

    A block per round, not "where the last run stopped": wrk's threads each walk their own
    share and stop with requests in flight, so a shared cursor would replay some codes.
    """
    seeded = server.seeded
    headers, bodies = scenario.build(seeded)
    if scenario.single_use and seeded.real:
        block = len(bodies) // args.repeat
        bodies = bodies[(number - 1) * block : number * block]
    expected = scenario.status if seeded.real else 200
    path = server.paths.get(scenario.name) or scenario.path.format(mall_id=seeded.mall_id)
    server_before, machine_before = group_cpu_seconds(server.process.pid), machine_busy_seconds()
    app_before = app_cpu.totals(server.app_cpu_dir)
    result = run_load(server.base, scenario.method, path, headers, bodies, expected, args)
    app_after = app_cpu.totals(server.app_cpu_dir)
    server_after, machine_after = group_cpu_seconds(server.process.pid), machine_busy_seconds()
    if app_after[0] > app_before[0]:
        result["app_us"] = (app_after[1] - app_before[1]) / (app_after[0] - app_before[0]) / 1e3
    # Where a request's time goes: the target's own processes, and the whole machine (the load
    # generator and, for PostgreSQL, the database server run on the same cores).
    if None not in (server_before, server_after, machine_before, machine_after):
        result["server_us"] = (server_after - server_before) / result["requests"] * 1e6
        result["machine_us"] = (machine_after - machine_before) / result["requests"] * 1e6
    if scenario.single_use and seeded.real and result["requests"] > len(bodies):
        result["note"] = f"ran out of pre-issued codes ({len(bodies)} a round)"
    return result


def runs_scenario(target: str, scenario: Scenario) -> bool:
    """The peer answers introspection only."""
    return target != "peer" or scenario.name == "introspection"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=int, default=10, help="per load run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk's (default 32)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians (default 3)")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="git ref (e.g. main) served from a temporary worktree as baseline-sqlite and "
        "baseline-postgresql, added to --targets",
    )
    parser.add_argument(
        "--codes",
        type=int,
        help=f"codes pre-issued per database (default: {CODES_PER_SECOND} a second of load)",
    )
    parser.add_argument("--tokens", type=int, default=10000, help="live token rows per database")
    parser.add_argument(
        "--targets",
        default="bare,sqlite,postgresql,peer",
        help="comma-separated, of bare, sqlite, postgresql, peer (default: all four)",
    )
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set for every Python target, e.g. AUTHSERVER_THREADS=4 (repeatable)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/"),
        help="server to create the benchmark databases on",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--no-limiter-check", action="store_true")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args(argv)
    args.env = dict(item.split("=", 1) for item in args.env)
    if args.codes is None:
        args.codes = CODES_PER_SECOND * args.seconds * args.repeat
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s.name in wanted]
    targets = args.targets.split(",")
    if args.baseline:
        targets += [BASELINE + t for t in ("sqlite", "postgresql") if t in targets]
    clean_up_on_sigterm()
    cleanups: list = []
    servers: list[Server] = []
    rounds: dict[tuple[str, str], list[dict]] = {}
    limiter: dict[str, str] = {}
    try:
        with contextlib.ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            checkout = None
            if args.baseline:
                checkout = stack.enter_context(baseline.worktree(args.baseline, workdir))
            for target in targets:
                print(f"{target}: preparing", flush=True)
                theirs = checkout if target.startswith(BASELINE) else None
                servers.append(start(target, args, workdir, cleanups, theirs))
            for number in range(1, args.repeat + 1):
                print(f"round {number}/{args.repeat}", flush=True)
                for scenario in scenarios:
                    for server in servers:
                        if not runs_scenario(server.name, scenario):
                            continue
                        result = load_scenario(server, scenario, args, number)
                        rounds.setdefault((server.name, scenario.name), []).append(result)
                        line = report.fmt(result)
                        print(f"  {server.name:20} {scenario.name:26} {line}", flush=True)
            for server in servers:
                server.stop()
            if not args.no_limiter_check:
                for server in servers:
                    if server.seeded.real and server.name in ("sqlite", "postgresql"):
                        limiter[server.name] = limiter_check.run(server, args.redis_url, workdir)
                        print(f"  limiter {server.name}: {limiter[server.name]}", flush=True)
    finally:
        for server in servers:
            server.stop()
        for drop in cleanups:
            drop()
    text = report.render(rounds, targets, scenarios, limiter, args)
    Path(args.output).write_text(text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
