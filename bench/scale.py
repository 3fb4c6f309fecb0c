"""Scale of data: introspection with 1,000,000 live tokens in PostgreSQL against 10,000.

    .venv/bin/python bench/scale.py [--large 1000000] [--small 10000] [--seconds 10] [--repeat 3]

Seeds two PostgreSQL databases (created and dropped here) that differ only in the number of
live token rows, loaded by COPY (bench/seeding.py; the seeding time is printed), serves each
under deploy/serve.py, and loads introspection of one token in the middle of the table
on both in turn, ``--repeat`` rounds. Goal: the large table answers at least 0.9 of the small
one's rate (the unique index does the work, not the table) and seeds in under 2 minutes.
Prints and writes bench/scale.md. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import clean_up_on_sigterm, run_load, start_server  # noqa: E402
from bench.run import SCENARIOS, base_env, fmt  # noqa: E402
from bench.seeding import create_postgres_database, seed  # noqa: E402

SEED_GOAL_SECONDS = 120
RATIO_GOAL = 0.9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/"),
    )
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output", default=str(ROOT / "bench" / "scale.md"))
    args = parser.parse_args(argv)
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"
    scenario = next(s for s in SCENARIOS if s.name == "introspection")
    clean_up_on_sigterm()
    servers, drops, seeding = [], [], {}
    rounds: dict[int, list[dict]] = {args.small: [], args.large: []}
    try:
        with tempfile.TemporaryDirectory(prefix="authserver-scale-") as tmp:
            for count in (args.small, args.large):
                url, drop = create_postgres_database(args.postgres_url)
                drops.append(drop)
                env = {**base_env(), "AUTHSERVER_DATABASE_URL": url}
                env["AUTHSERVER_INSTANCE_PATH"] = str(Path(tmp) / str(count))
                seeded = seed(url, env, codes=0, tokens=count)
                seeding[count] = seeded.token_seconds
                print(
                    f"{count:>9} tokens seeded by COPY in {seeded.token_seconds:.1f}s", flush=True
                )
                servers.append(start_server(f"{count}", "wsgi:app", env, seeded, Path(tmp)))
            for number in range(1, args.repeat + 1):
                for server, count in zip(servers, (args.small, args.large), strict=True):
                    headers, bodies = scenario.build(server.seeded)
                    path = scenario.path.format(mall_id=server.seeded.mall_id)
                    result = run_load(server.base, "POST", path, headers, bodies, 200, args)
                    rounds[count].append(result)
                    print(f"  round {number} {count:>9} tokens  {fmt(result)}", flush=True)
    finally:
        for server in servers:
            server.stop()
        for drop in drops:
            drop()
    text = report(rounds, seeding, args)
    Path(args.output).write_text(text)
    print("\n" + text)
    return 0


def report(rounds: dict[int, list[dict]], seeding: dict[int, float], args) -> str:
    small, large = rounds[args.small], rounds[args.large]
    ratios = [b["rps"] / a["rps"] for a, b in zip(small, large, strict=True)]
    ratio = statistics.median(ratios)
    lines = [
        "# Scale of data: introspection with many live tokens (PostgreSQL)",
        "",
        f"`python bench/scale.py --large {args.large} --small {args.small} --seconds "
        f"{args.seconds} --repeat {args.repeat}` on {platform.platform()}, {os.cpu_count()} "
        f"CPUs, load from {args.load} at {args.connections} connections, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Medians of {args.repeat} rounds.",
        "",
        "| live tokens | seeding (COPY) s | req/s | p50 ms | p99 ms | errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count, runs in ((args.small, small), (args.large, large)):
        lines.append(
            f"| {count:,} | {seeding[count]:.1f} | "
            f"{statistics.median(r['rps'] for r in runs):.0f} | "
            f"{statistics.median(r['p50_ms'] for r in runs):.1f} | "
            f"{statistics.median(r['p99_ms'] for r in runs):.1f} | "
            f"{sum(r['errors'] for r in runs)} |"
        )
    seed_ok = seeding[args.large] < SEED_GOAL_SECONDS
    lines += [
        "",
        f"Ratio {args.large:,} / {args.small:,}: {ratio:.2f} (rounds "
        f"{', '.join(f'{r:.2f}' for r in ratios)}); goal {RATIO_GOAL}: "
        f"{'met' if ratio >= RATIO_GOAL else 'MISSED'}. Seeding {args.large:,} rows: "
        f"{seeding[args.large]:.1f} s; goal under {SEED_GOAL_SECONDS} s: "
        f"{'met' if seed_ok else 'MISSED'}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
