"""The benchmark harness imports and builds its requests (it is run by hand, not here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from bench import bare_app, loadgen, run, seeding


def test_scenarios_build_requests():
    seeded = run.Seeded(codes=["c1", "c2"])
    names = [scenario.name for scenario in run.SCENARIOS]
    assert "code exchange" in names
    for scenario in run.SCENARIOS:
        headers, bodies = scenario.build(seeded)
        assert scenario.path.startswith("/malls/{mall_id}/")
        assert 0 < scenario.goal <= 1
    assert bodies[0].startswith("grant_type=authorization_code&code=c1&")
    assert headers["Authorization"].startswith("Basic ")


def test_bare_app_and_python_load_generator(tmp_path):
    from .servers import serve_app

    with serve_app(bare_app.app) as base:
        result = loadgen.run(
            base, "POST", "/malls/m/api/v2/oauth/token", {}, iter(["a=b"] * 50), 4, 5
        )
    assert result.requests == 50 and result.errors == 0
    assert result.p50_ms <= result.p99_ms


def test_in_process_timing_runs_every_scenario_with_its_expected_answer(capsys):
    """bench/profile.py raises SystemExit when a request gets another status than the
    scenario expects, so this also checks the benchmark's requests are answered as meant."""
    from bench import profile

    assert profile.main(["--requests", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    timed = [line for line in lines if "authserver" in line and "x bare" in line]
    assert [line.split("  ")[0] for line in timed] == [s.name for s in run.SCENARIOS]


@pytest.mark.skipif(not shutil.which("valgrind"), reason="needs valgrind")
def test_instruction_counts_run_the_scenario_under_callgrind(capsys):
    """bench/instructions.py counts a scenario's requests (raising SystemExit when one gets
    another status than the scenario expects) and prints thousands of instructions each."""
    from bench import instructions

    scenario = "admin GET no scope (404)"
    assert instructions.main(["--requests", "3", "--scenarios", scenario]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(scenario))
    assert int(line.split()[-1]) > 100  # thousands: an Admin API call is a few hundred or more


def test_cpu_accounting_counts_a_process_group_and_the_machine():
    """bench/run.py's CPU µs per request: a process group's CPU, its reaped children's
    included (a child burns 0.3 s of CPU and exits before the group leader is measured)."""
    from bench.harness import group_cpu_seconds, machine_busy_seconds

    burn = (
        "import subprocess, sys, time\n"
        "subprocess.run([sys.executable, '-c', 'import time\\nt = time.process_time()\\n"
        "while time.process_time() - t < 0.3: pass'])\n"
        "print('reaped', flush=True)\n"
        "time.sleep(10)\n"
    )
    machine_before = machine_busy_seconds()
    leader = subprocess.Popen(
        [sys.executable, "-c", burn], start_new_session=True, stdout=subprocess.PIPE, text=True
    )
    try:
        assert leader.stdout.readline() == "reaped\n"
        assert group_cpu_seconds(leader.pid) >= 0.3
    finally:
        leader.kill()
        leader.wait()
    assert group_cpu_seconds(leader.pid) is None  # no process is left in the group
    assert machine_busy_seconds() - machine_before >= 0.3


def test_app_cpu_counts_requests_and_cpu_inside_the_wrapped_app(tmp_path):
    """bench/app_cpu.py: the counter file holds requests and the CPU spent in the app (a
    request that burns 20 ms of CPU counts at least that), the body passes through, and the
    inner response's ``close`` is called as a WSGI server would."""
    import time

    from bench import app_cpu

    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def burning(environ, start_response):
        started = time.thread_time()
        while time.thread_time() - started < 0.02:
            pass
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"he", b"llo"])

    counting = app_cpu.CountingApp(burning, tmp_path)
    assert app_cpu.totals(tmp_path) == (0, 0)
    for _ in range(2):
        assert counting({}, lambda status, headers: None) == [b"hello"]
    requests, nanoseconds = app_cpu.totals(tmp_path)
    assert requests == 2 and nanoseconds >= 2 * 20_000_000
    assert closed == [True, True]


def test_targets_are_served_by_the_production_launcher(tmp_path):
    """bench/harness.py starts deploy/serve.py (granian), as ``make serve`` does, and the
    Python load generator gets every expected answer from it."""
    from types import SimpleNamespace

    from bench.harness import run_load, start_server

    env = {**os.environ, "AUTHSERVER_WORKERS": "1"}
    seeded = seeding.Seeded(codes=["x"], real=False)
    server = start_server("bare", "bench.bare_app:app", env, seeded, tmp_path)
    try:
        args = SimpleNamespace(load="python", connections=2, seconds=1)
        result = run_load(server.base, "GET", "/malls/m/api/v2/admin/products", {}, [], 200, args)
    finally:
        server.stop()
    assert result["requests"] > 0 and result["errors"] == 0


def test_run_help_describes_the_targets(capsys):
    with pytest.raises(SystemExit) as exit_:
        run.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for word in ("--baseline", "--env", "bare", "peer", "deploy/serve.py"):
        assert word in text
