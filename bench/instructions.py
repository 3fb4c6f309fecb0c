"""Instructions per request, counted by valgrind's callgrind: a cost the load does not move.

    .venv/bin/python bench/instructions.py [--baseline REF] [--requests 100] [--scenarios ...]
                                           [--database-url URL]

bench/profile.py's CPU µs per request move by tens of per cent while other processes share the
2-core machine; the number of instructions a request executes does not (about ±1 % from one
run to the next). Each checkout (this one, and with ``--baseline`` a git worktree of REF, as
bench/run.py builds it) runs in a process of its own under ``valgrind --tool=callgrind
--instr-atstart=no``: it seeds its database with its own bench/seeding.py and builds its app
uninstrumented, serves a warm-up batch, then counts ``--requests`` requests of each scenario
(bench/profile.py's WSGI requests, the whole app called in-process), the instrumentation on
only around them (``callgrind_control``). On the benchmark machine, 1,000 instructions of this
code took about 0.28 µs of CPU (2026-12-03: bench/profile.py's quiet figures against these
counts). Needs valgrind (``apt-get install valgrind``). A script, not a test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(settings: dict) -> None:
    """Inside valgrind, in the checkout under test: seed, build, serve batches on command
    (the checkout's own authserver and bench helpers: its directory is first on the path)."""
    from bench.profile import environs, quiet_access_log, serve
    from bench.run import SCENARIOS as scenarios
    from bench.seeding import create_postgres_database, seed

    batch = settings["requests"]
    # In the order asked for, whatever the order of the checkout's own list.
    by_name = {scenario.name: scenario for scenario in scenarios}
    wanted = [by_name[name] for name in settings["scenarios"]]
    env = {
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    with tempfile.TemporaryDirectory(prefix="authserver-instructions-") as tmp:
        url, drop = settings.get("url") or f"sqlite:///{tmp}/instructions.sqlite", None
        if url.startswith("postgres"):
            url, drop = create_postgres_database(url)
        try:
            seeded = seed(url, env, codes=2 * batch + 10, tokens=10_000)
            from authserver import create_app

            app = create_app(
                {
                    **env,
                    "AUTHSERVER_DATABASE_URL": url,
                    "AUTHSERVER_API_BUCKET_SIZE": 10**9,
                    "AUTHSERVER_INSTANCE_PATH": tmp,
                }
            )
            # Two batches per scenario (a warm-up, the counted one): single-use codes each.
            blocks = [
                [environs(scenario, seeded, batch, first=n * batch) for n in range(2)]
                for scenario in wanted
            ]
            with quiet_access_log():
                print("READY", flush=True)
                for line in sys.stdin:
                    index, which = map(int, line.split())
                    statuses = {serve(app, environ) for environ in blocks[index][which]}
                    print(json.dumps(sorted(statuses)), flush=True)
            with app.app_context():
                from authserver.extensions import db

                db.engine.dispose()
        finally:
            if drop:
                drop()


def count(checkout: Path, scenarios: list, requests: int, url: str | None) -> list[float]:
    """Instructions per request of each scenario (bench.run's), for the app of ``checkout``."""
    settings = {"scenarios": [s.name for s in scenarios], "requests": requests, "url": url}
    with tempfile.TemporaryDirectory(prefix="authserver-callgrind-") as out:
        process = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}/callgrind.out",
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                json.dumps(settings),
            ],
            cwd=checkout,
            # The checkout's own code; a fixed hash seed, so runs repeat their dict layouts.
            env={**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

        def control(*options: str) -> None:
            subprocess.run(["callgrind_control", *options, str(process.pid)], check=True,
                           capture_output=True)  # fmt: skip

        def run(index: int, which: int) -> None:
            process.stdin.write(f"{index} {which}\n")
            process.stdin.flush()
            statuses = json.loads(process.stdout.readline())
            if statuses != [scenarios[index].status]:
                raise SystemExit(
                    f"{scenarios[index].name}: expected {scenarios[index].status}, got {statuses}"
                )

        if not process.stdout.readline().startswith("READY"):
            raise SystemExit(f"the app of {checkout} did not start under valgrind")
        figures = []
        for index in range(len(scenarios)):
            run(index, 0)  # warm-up, not counted
            control("--instr=on")
            control("--zero")
            run(index, 1)
            before = set(Path(out).glob("callgrind.out*"))
            control("--dump")
            control("--instr=off")
            dump = max(set(Path(out).glob("callgrind.out*")) - before, key=os.path.getmtime)
            totals = [line for line in dump.read_text().splitlines() if line.startswith("totals:")]
            figures.append(int(totals[0].split()[1]) / requests)
        process.stdin.close()
        process.wait()
        return figures


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--worker"]:
        sys.path.insert(0, os.getcwd())
        worker(json.loads(sys.argv[2]))
        return 0
    sys.path.insert(0, str(ROOT))
    from bench.run import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="git ref counted beside this checkout")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument("--database-url", help="sqlite:///... or a PostgreSQL server URL")
    args = parser.parse_args(argv)
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s.name in wanted]
    with contextlib.ExitStack() as stack:
        targets = {"this checkout": ROOT}
        if args.baseline:
            from bench import baseline

            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            targets[args.baseline] = stack.enter_context(baseline.worktree(args.baseline, workdir))
        counted = {
            name: count(path, scenarios, args.requests, args.database_url)
            for name, path in targets.items()
        }
    print("thousands of instructions per request")
    for index, scenario in enumerate(s.name for s in scenarios):
        figures = "   ".join(f"{name} {counted[name][index] / 1000:7.0f}" for name in counted)
        ratio = ""
        if args.baseline:
            ratio = f"   ({counted[args.baseline][index] / counted['this checkout'][index]:.2f})"
        print(f"{scenario:26} {figures}{ratio}")
    if args.baseline:
        print(f"(in brackets: {args.baseline}'s count / this checkout's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
