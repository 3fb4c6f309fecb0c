"""Benchmark: authserver under gunicorn against a bare Flask app (the ceiling), per scenario.

    .venv/bin/python bench/run.py [--seconds 10] [--connections 32] [--targets bare,sqlite]

Starts each target under deploy/gunicorn.conf.py on 127.0.0.1, seeds it through the models
(SQLite in a temporary directory; PostgreSQL in a database created and dropped here), loads
it with wrk (or bench/loadgen.py when wrk is absent) and prints requests/s, p50, p99, errors
and the ratio to the bare ceiling; writes bench/results.md. A script, not a test.

Scenarios are the list ``SCENARIOS``: add introspection and the Admin API ones there.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402

REDIRECT_URI = "https://app.example/cb"
SCOPE = "mall.read_product mall.read_order"


@dataclass
class Seeded:
    """What a target was seeded with: the credentials scenarios build requests from."""

    mall_id: str = "benchmall"
    client_id: str = "C" * 22
    client_secret: str = "S" * 32
    codes: list[str] = field(default_factory=list)
    #: False for the bare app, which accepts anything (its credentials never run out)
    real: bool = True


@dataclass
class Scenario:
    name: str
    method: str
    path: str  # ``{mall_id}`` is filled in
    #: seeded -> (headers, one body per request); GET scenarios return empty bodies
    build: Callable[[Seeded], tuple[dict[str, str], list[str]]]
    #: the issue's goal for authserver / bare
    goal: float


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_exchange(seeded: Seeded) -> tuple[dict[str, str], list[str]]:
    bodies = [
        urlencode({"grant_type": "authorization_code", "code": c, "redirect_uri": REDIRECT_URI})
        for c in seeded.codes
    ]
    return {"Authorization": basic(seeded.client_id, seeded.client_secret)}, bodies


SCENARIOS: list[Scenario] = [
    Scenario("code exchange", "POST", "/malls/{mall_id}/api/v2/oauth/token", code_exchange, 0.35),
    # Once those endpoints land: introspection (goal 0.7), Admin API GET with a valid token
    # (0.7), Admin API GET without the scope (404): seed tokens in ``seed`` and add them here.
]


# -- seeding -----------------------------------------------------------------------------
def seed(database_url: str, env: dict[str, str], codes: int) -> Seeded:
    """Schema, a developer, a mall, an installed app, and ``codes`` single-use codes."""
    from sqlalchemy import insert

    from authserver import create_app
    from authserver.crypto import sha256_hex
    from authserver.extensions import db
    from authserver.models import App, AuthorizationCode, Developer, Installation, Mall, Operator
    from authserver.models.base import utcnow
    from authserver.schema import upgrade_database

    app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": env["AUTHSERVER_SECRET_KEY"],
            "AUTHSERVER_ENCRYPTION_KEYS": env["AUTHSERVER_ENCRYPTION_KEYS"],
            "AUTHSERVER_ACCESS_LOG": False,
        }
    )
    seeded = Seeded()
    with app.app_context():
        upgrade_database()  # what `init-db` does
        developer = Developer(email="bench@example.com")
        developer.set_password(secrets.token_urlsafe(16))
        mall = Mall(mall_id=seeded.mall_id, test_mall_of=developer)
        operator = Operator(user_id="owner", mall=mall)
        operator.set_password(secrets.token_urlsafe(16))
        client, seeded.client_secret = App.register(
            developer=developer,
            name="Bench App",
            app_url="https://app.example/",
            redirect_uris=[REDIRECT_URI],
            scope=SCOPE,
        )
        db.session.add_all([developer, mall, operator, client])
        db.session.flush()
        db.session.add(
            Installation(mall_pk=mall.id, app_pk=client.id, scope=SCOPE, operator_user_id="owner")
        )
        db.session.commit()
        seeded.client_id = client.client_id
        seeded.codes = [secrets.token_urlsafe(32) for _ in range(codes)]
        expires = utcnow() + timedelta(hours=1)
        rows = [
            {
                "code_hash": sha256_hex(code),
                "app_pk": client.id,
                "mall_pk": mall.id,
                "user_id": "owner",
                "redirect_uri": REDIRECT_URI,
                "scope": SCOPE,
                "code_challenge": None,
                "code_challenge_method": None,
                "created_at": utcnow(),
                "expires_at": expires,
                "used_at": None,
            }
            for code in seeded.codes
        ]
        db.session.connection().execute(insert(AuthorizationCode.__table__), rows)
        db.session.commit()
        db.engine.dispose()
    return seeded


def create_postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"authserver_bench_{secrets.token_hex(4)}"
    admin = make_url(server_url).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop


# -- serving and loading -------------------------------------------------------------------
def start_gunicorn(wsgi: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", wsgi],
            cwd=ROOT,
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{wsgi} exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return process, base
        except requests.RequestException:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{wsgi} not ready:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(base: str, scenario: Scenario, seeded: Seeded, args, workdir: Path) -> dict:
    headers, bodies = scenario.build(seeded)
    path = scenario.path.format(mall_id=seeded.mall_id)
    if args.load == "wrk":
        body_file = workdir / "bodies.txt"
        body_file.write_text("\n".join(bodies or [""]) + "\n")
        threads = min(args.connections, os.cpu_count() or 2)
        command = [
            "wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout",
            "10s", "-s", str(ROOT / "bench" / "wrk.lua"), base, "--", str(body_file),
            scenario.method, path, headers.get("Authorization", "-"), str(threads),
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = next(x for x in output.splitlines() if x.startswith("WRKJSON "))
        data = json.loads(line[len("WRKJSON ") :])
        seconds = data["duration_us"] / 1e6
        result = {
            "requests": data["requests"],
            "rps": data["requests"] / seconds,
            "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000,
            "errors": data["socket_errors"] + data["http_errors"],
        }
    else:
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        run = loadgen.run(
            base, scenario.method, path, all_headers, iter(bodies), args.connections, args.seconds
        )
        result = {
            "requests": run.requests,
            "rps": run.rps,
            "p50_ms": run.p50_ms,
            "p99_ms": run.p99_ms,
            "errors": run.errors,
        }
    if seeded.real and bodies and result["requests"] > len(bodies):
        result["note"] = f"ran out of pre-issued credentials ({len(bodies)})"
    return result


# -- the run -----------------------------------------------------------------------------
def run_target(target: str, args, workdir: Path) -> dict[str, dict]:
    env = {
        **os.environ,
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUTHSERVER_INSTANCE_PATH": str(workdir / target),
        # Throughput runs keep the Admin API's rate limit out of the way.
        "AUTHSERVER_API_BUCKET_SIZE": "100000000",
    }
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if target == "bare":
        wsgi, seeded = "bench.bare_app:app", Seeded(codes=["x"] * args.codes, real=False)
    else:
        if target == "sqlite":
            database_url = f"sqlite:///{workdir / 'bench.sqlite'}"
        else:
            database_url, drop = create_postgres_database(args.postgres_url)
        env["AUTHSERVER_DATABASE_URL"] = database_url
        wsgi = "wsgi:app"
    results: dict[str, dict] = {}
    try:
        if target != "bare":
            started = time.monotonic()
            seeded = seed(env["AUTHSERVER_DATABASE_URL"], env, args.codes)
            print(f"  seeded {target} in {time.monotonic() - started:.1f}s", flush=True)
        process, base = start_gunicorn(wsgi, env, workdir / f"{target}.log")
        try:
            for scenario in SCENARIOS:
                results[scenario.name] = load(base, scenario, seeded, args, workdir)
                print(f"  {target:10} {scenario.name:15} {fmt(results[scenario.name])}", flush=True)
        finally:
            stop(process)
    finally:
        drop()
    return results


def fmt(result: dict) -> str:
    return (
        f"{result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  errors {result['errors']}"
    )


def report(all_results: dict[str, dict[str, dict]], args) -> str:
    bare = all_results.get("bare", {})
    lines = [
        "# Benchmark results",
        "",
        f"`python bench/run.py --seconds {args.seconds} --connections {args.connections}` on "
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load from {args.load}, gunicorn settings of deploy/gunicorn.conf.py "
        f"({os.environ.get('AUTHSERVER_WORKERS', 'default')} workers), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| target | scenario | req/s | p50 ms | p99 ms | errors | ratio to bare | goal |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    goals = {s.name: s.goal for s in SCENARIOS}
    for target, results in all_results.items():
        for name, r in results.items():
            ceiling = bare.get(name, {}).get("rps")
            ratio = f"{r['rps'] / ceiling:.2f}" if ceiling and target != "bare" else "-"
            note = f" ({r['note']})" if r.get("note") else ""
            lines.append(
                f"| {target} | {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
                f"| {r['errors']}{note} | {ratio} | {goals[name] if target != 'bare' else '-'} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--codes", type=int, default=30000, help="codes pre-issued per database")
    parser.add_argument("--targets", default="bare,sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/"),
        help="server to create the benchmark database on",
    )
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args(argv)
    if args.load == "auto":
        args.load = "wrk" if shutil.which("wrk") else "python"
    all_results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="authserver-bench-") as tmp:
        for target in args.targets.split(","):
            print(f"{target}:", flush=True)
            all_results[target] = run_target(target, args, Path(tmp))
    text = report(all_results, args)
    Path(args.output).write_text(text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
