"""Benchmark plumbing: a target under the production server (deploy/serve.py) on a loopback
port, and one load run (wrk or Python)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.seeding import Seeded

ROOT = Path(__file__).resolve().parents[1]
#: What the server serves: the target's app, wrapped to count its CPU (bench/app_cpu.py).
COUNTING_APP = "bench.app_cpu:app"
#: The production launcher (granian), the one ``make serve`` runs: every target is served by it.
LAUNCHER = ROOT / "deploy" / "serve.py"


@dataclass
class Server:
    """A running target: its name, server process, base URL, environment and data."""

    name: str
    process: subprocess.Popen
    base: str
    env: dict[str, str]
    seeded: Seeded
    #: where bench/app_cpu.py counts the workers' CPU inside the WSGI app
    app_cpu_dir: Path
    #: the checkout the app is imported from (a ``--baseline`` worktree, or this one)
    cwd: Path = ROOT
    #: a scenario's path where the target differs (the peer's introspection endpoint)
    paths: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        stop(self.process)


def group_cpu_seconds(group: int) -> float | None:
    """CPU seconds (user and system, reaped children included) of the processes in a process
    group: a target's main process and workers. ``None`` where /proc is not Linux's."""
    total, found = 0.0, False
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[2]) == group:  # the fields after the name: state, ppid, pgrp, ...
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    name: str,
    wsgi: str,
    env: dict[str, str],
    seeded: Seeded,
    workdir: Path,
    cwd: Path = ROOT,
    count_cpu: bool = True,
) -> Server:
    """``deploy/serve.py`` on 127.0.0.1:<free port> with the app from ``cwd``, once /readyz
    answers 200.

    With ``count_cpu``, ``wsgi`` is served through ``bench/app_cpu.py`` (of ``cwd``), which
    counts the app's CPU per request into ``Server.app_cpu_dir``."""
    import requests

    port = free_port()
    app_cpu_dir = workdir / f"{name}-app-cpu"
    app_cpu_dir.mkdir()
    env = {**env, "BENCH_WSGI_APP": wsgi, "BENCH_APP_CPU_DIR": str(app_cpu_dir)}
    log = workdir / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), COUNTING_APP if count_cpu else wsgi],
            cwd=cwd,
            # The JSON access log stays on, as in production; it goes to the log file.
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{wsgi} exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return Server(name, process, base, env, seeded, app_cpu_dir, cwd)
        except requests.RequestException:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{wsgi} not ready:\n{log.read_text()[-2000:]}")


def clean_up_on_sigterm() -> None:
    """Make SIGTERM (``kill``, ``pkill``) unwind like Ctrl-C, through the ``finally`` blocks
    that stop the targets and drop the databases created for them: Python's default action
    for it exits at once and leaves those databases behind."""

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_load(
    base: str,
    method: str,
    path: str,
    headers: dict[str, str],
    bodies: list[str],
    expected: int,
    args,
) -> dict:
    """One fixed-duration run at ``args.connections``; errors: any status but ``expected``."""
    if args.load == "wrk":
        import tempfile

        threads = min(args.connections, os.cpu_count() or 2)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as body_file:
            body_file.write("\n".join(bodies or [""]) + "\n")
        try:
            command = [
                "wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s",
                "--timeout", "10s", "-s", str(ROOT / "bench" / "wrk.lua"), base, "--",
                body_file.name, method, path, headers.get("Authorization", "-"), str(threads),
                str(expected),
            ]  # fmt: skip
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(body_file.name)
        line = next(x for x in output.splitlines() if x.startswith("WRKJSON "))
        data = json.loads(line[len("WRKJSON ") :])
        return {
            "requests": data["requests"],
            "rps": data["requests"] / (data["duration_us"] / 1e6),
            "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000,
            "errors": data["socket_errors"] + data["unexpected_status"],
            # which statuses the errors were, and how many connections failed
            "note": ", ".join(
                [f"HTTP {k}: {v}" for k, v in data["statuses"].items()]
                + ([f"socket: {data['socket_errors']}"] if data["socket_errors"] else [])
            ),
        }
    # A body's type, as wrk.lua sends it: a GET has neither (clients send none).
    form = {"Content-Type": "application/x-www-form-urlencoded"} if method != "GET" else {}
    all_headers = {**form, **headers}
    source = iter(bodies) if len(bodies) > 1 else _repeat(bodies[0] if bodies else "")
    run = loadgen.run(
        base, method, path, all_headers, source, args.connections, args.seconds, expected
    )
    return {
        "requests": run.requests,
        "rps": run.rps,
        "p50_ms": run.p50_ms,
        "p99_ms": run.p99_ms,
        "errors": run.errors,
    }


def _repeat(body: str):
    while True:
        yield body
