"""Which WSGI server: candidates serving the same apps, interleaved, wrk at 32 connections.

    .venv/bin/python bench/servers.py [--seconds 5] [--repeat 3] [--servers granian,gunicorn,...]

The choice of the production server (deploy/serve.py) rests on this run (bench/results.md).
Candidates not in the project's dependencies come from ``--extra-path`` (a ``pip install
--target`` directory): gunicorn, pyuwsgi, waitress. Each serves bench/bare_app.py (fixed JSON)
and authserver's introspection on a seeded SQLite database, 2 workers each (waitress has no
worker processes: one process, 4 threads); each round loads every server in turn, so the
ratios compare runs seconds apart on a shared machine. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, run_load, stop  # noqa: E402
from bench.run import base_env, introspection  # noqa: E402
from bench.seeding import seed  # noqa: E402

PY = sys.executable


def command(server: str, target: str, port: int) -> list[str]:
    """How ``server`` serves ``target`` on 127.0.0.1:``port`` with 2 workers, no access log."""
    bind = f"127.0.0.1:{port}"
    if server.startswith("granian"):  # granian, or granian-t<threads>
        return [PY, "deploy/serve.py", target]
    if server == "gunicorn":
        return [PY, "-m", "gunicorn", "-w", "2", "-b", bind, "--log-level", "warning", target]
    if server == "uwsgi":
        module, _, name = target.partition(":")
        return [
            PY, "-c", "import sys, pyuwsgi; pyuwsgi.run(sys.argv[1:])", "--http11-socket", bind,
            "--master", "--processes", "2", "--module", module, "--callable", name,
            "--disable-logging", "--lazy-apps", "--die-on-term",
        ]  # fmt: skip
    if server == "waitress":
        return [PY, "-m", "waitress", "--listen", bind, "--threads", "4", target]
    raise SystemExit(f"unknown server {server}")


def start(server: str, target: str, env: dict[str, str], log: Path) -> tuple:
    import requests

    port = free_port()
    threads = server.partition("-t")[2] or "2"
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "AUTHSERVER_WORKERS": "2"}
    env["AUTHSERVER_THREADS"] = threads
    with log.open("ab") as out:
        process = subprocess.Popen(
            command(server, target, port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code in (200, 404):
                return process, base
        except requests.RequestException:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{server} did not start: {log.read_text()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--servers", default="granian,gunicorn,uwsgi,waitress")
    parser.add_argument("--extra-path", default="", help="where gunicorn/pyuwsgi/waitress live")
    args = parser.parse_args(argv)
    args.load = "wrk"
    servers = args.servers.split(",")
    with tempfile.TemporaryDirectory(prefix="authserver-servers-") as tmp:
        env = {**base_env(), "AUTHSERVER_INSTANCE_PATH": tmp}
        env["AUTHSERVER_TRUSTED_HOSTS"] = "127.0.0.1"  # wsgi.py refuses to start without it
        if args.extra_path:
            env["PYTHONPATH"] = os.pathsep.join([str(ROOT), args.extra_path])
        env["AUTHSERVER_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite"
        seeded = seed(env["AUTHSERVER_DATABASE_URL"], env, 1, 10000)
        headers, bodies = introspection(seeded)
        path = f"/malls/{seeded.mall_id}/api/v2/oauth/introspect"
        rows: dict[tuple[str, str], list[dict]] = {}
        for number in range(args.repeat):
            for target in ("bench.bare_app:app", "wsgi:app"):
                for server in servers:
                    process, base = start(server, target, env, Path(tmp) / f"{server}.log")
                    try:
                        warm = argparse.Namespace(**{**vars(args), "seconds": 1})
                        run_load(base, "POST", path, headers, bodies, 200, warm)
                        result = run_load(base, "POST", path, headers, bodies, 200, args)
                    finally:
                        stop(process)
                    rows.setdefault((target, server), []).append(result)
                    print(f"round {number + 1} {target:20} {server:12} "
                          f"{result['rps']:7.0f} req/s p99 {result['p99_ms']:6.1f} ms "
                          f"errors {result['errors']}", flush=True)  # fmt: skip
    print("\n| app | server | req/s (median) | ratio to gunicorn | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (target, server), results in rows.items():
        rps = statistics.median(r["rps"] for r in results)
        gunicorn = rows.get((target, "gunicorn"), results)
        ratios = [r["rps"] / g["rps"] for r, g in zip(results, gunicorn, strict=True)]
        p99 = statistics.median(r["p99_ms"] for r in results)
        errors = sum(r["errors"] for r in results)
        print(f"| {target} | {server} | {rps:.0f} | {statistics.median(ratios):.2f} "
              f"| {p99:.1f} | {errors} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
