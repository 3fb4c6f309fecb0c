"""The benchmark harness imports and builds its requests (it is run by hand, not here)."""

from __future__ import annotations

import base64
import importlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from authserver import create_app
from authserver.extensions import db
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


@pytest.fixture(params=["sqlite", "postgresql"])
def bench_database(request, tmp_path) -> Iterator[str]:
    """A database of its own for a benchmark target: SQLite, and PostgreSQL when the suite
    runs on it (created on that server and dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bench.sqlite'}"
        return
    server = os.environ.get("AUTHSERVER_TEST_DATABASE_URL")
    if not server:
        pytest.skip("PostgreSQL: set AUTHSERVER_TEST_DATABASE_URL")
    url, drop = seeding.create_postgres_database(server)
    try:
        yield url
    finally:
        drop()


def test_floor_app_answers_the_scenarios_as_authserver_does(bench_database, tmp_path, monkeypatch):
    """bench/floor_app.py is a fair reference only if it does authserver's work: the same
        statement answers, the same fields for an active token, the 404 without the scope (twice:
        on PostgreSQL the second call takes the plain lookup), the same page of records; a code
        it exchanges gives a token active at authserver, and is used up (a replay fails on both;
    the floor does not go on to revoke that token, as authserver does)."""
    env = {
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    url = bench_database
    seeded = seeding.seed(url, env, codes=2, tokens=10)
    monkeypatch.setenv("AUTHSERVER_DATABASE_URL", url)
    monkeypatch.setenv("AUTHSERVER_ENCRYPTION_KEYS", env["AUTHSERVER_ENCRYPTION_KEYS"])
    import bench.floor_app

    floor = importlib.reload(bench.floor_app).app.test_client()
    authserver = create_app(
        {**env, "AUTHSERVER_DATABASE_URL": url, "AUTHSERVER_INSTANCE_PATH": str(tmp_path)}
    ).test_client()
    clients = (floor, authserver)
    introspect = run.SCENARIOS[0]
    headers, bodies = introspect.build(seeded)
    path = introspect.path.format(mall_id=seeded.mall_id)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = [
        client.post(path, headers={**headers, **form}, data=bodies[0]).get_json()
        for client in clients
    ]
    assert answers[0]["active"] is True
    assert answers[0] == answers[1]
    for scenario in run.SCENARIOS[1:3]:
        headers, _ = scenario.build(seeded)
        path = scenario.path.format(mall_id=seeded.mall_id)
        for _ in range(2):
            statuses = [client.get(path, headers=headers).status_code for client in clients]
            assert statuses == [scenario.status, scenario.status]
    products = run.SCENARIOS[1].path.format(mall_id=seeded.mall_id)
    headers, _ = run.SCENARIOS[1].build(seeded)
    listed = [client.get(products, headers=headers).get_json() for client in clients]
    assert listed[0]["products"] and listed[0] == listed[1]
    exchange = run.SCENARIOS[3]
    headers, bodies = exchange.build(seeded)
    path = exchange.path.format(mall_id=seeded.mall_id)
    issued = [
        client.post(path, headers={**headers, **form}, data=body)
        for client, body in zip(clients, bodies, strict=True)
    ]
    assert [answer.status_code for answer in issued] == [200, 200]
    assert issued[0].headers["Cache-Control"] == "no-store"
    assert issued[0].get_json().keys() <= issued[1].get_json().keys()
    for answer in issued:
        new_token = urlencode({"token": answer.get_json()["access_token"]})
        gateway, _ = introspect.build(seeded)
        active = authserver.post(
            introspect.path.format(mall_id=seeded.mall_id),
            headers={**gateway, **form},
            data=new_token,
        )
        assert active.get_json()["active"] is True
    replayed = [
        client.post(path, headers={**headers, **form}, data=body).status_code
        for client, body in zip(clients, bodies, strict=True)
    ]
    assert replayed == [400, 400]
    with authserver.application.app_context():
        db.engine.dispose()  # before the PostgreSQL database is dropped
    floor_app = sys.modules["bench.floor_app"]
    if floor_app._connection is not None:
        floor_app._connection.close()
        floor_app._connection = None
