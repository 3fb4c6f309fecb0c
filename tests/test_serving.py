"""The production server (deploy/serve.py, granian) as ``make serve`` starts it: settings from
the environment, one JSON access line per request with secrets redacted, a graceful restart on
SIGHUP that drops no request, workers that freeze their start-up objects."""

from __future__ import annotations

import gc
import json
import os
import runpy
import secrets
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from .servers import ROOT, TEST_ENCRYPTION_KEY, production_server


def _launcher() -> dict:
    return runpy.run_path(str(ROOT / "deploy" / "serve.py"))


def test_settings_come_from_the_environment():
    settings = _launcher()["settings"]
    default = settings({})
    assert default["workers"] >= 2 and default["workers"] == min(max(os.cpu_count(), 2), 8)
    assert default["blocking_threads"] == 2 and default["backpressure"] == 128
    assert default["log_access"] is False  # authserver.platform.ops logs each request, once
    assert (default["address"], default["port"]) == ("127.0.0.1", 8000)
    tuned = settings(
        {"AUTHSERVER_WORKERS": "3", "AUTHSERVER_THREADS": "4", "HOST": "0.0.0.0", "PORT": "9"}
    )
    assert (tuned["workers"], tuned["blocking_threads"], tuned["backpressure"]) == (3, 4, 128)
    assert (tuned["address"], tuned["port"]) == ("0.0.0.0", 9)
    assert (
        settings({"AUTHSERVER_THREADS": "4", "AUTHSERVER_BACKPRESSURE": "8"})["backpressure"] == 8
    )


def test_workers_freeze_their_start_up_objects():
    try:
        app = _launcher()["load_frozen"]("bench.bare_app:app")
        assert callable(app)
        assert gc.get_freeze_count() > 10_000  # the test process's modules, at least
    finally:
        gc.unfreeze()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    instance = tmp_path_factory.mktemp("serving")
    env = {
        **os.environ,
        "AUTHSERVER_DATABASE_URL": f"sqlite:///{instance / 'serving.sqlite'}",
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "AUTHSERVER_INSTANCE_PATH": str(instance),
        "AUTHSERVER_TRUSTED_HOSTS": "127.0.0.1",  # wsgi.py refuses to start without it
        "AUTHSERVER_PROXY_HOPS": "0",
        "AUTHSERVER_WORKERS": "2",
    }
    from authserver import create_app
    from authserver.store.schema import upgrade_database

    seed_app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": env["AUTHSERVER_DATABASE_URL"],
            "AUTHSERVER_SECRET_KEY": env["AUTHSERVER_SECRET_KEY"],
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        }
    )
    with seed_app.app_context():
        upgrade_database()  # `make serve` runs `init-db` first
    with production_server(env, instance / "server.log") as server:
        yield server


def _json_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_each_request_is_logged_once_without_secrets(served):
    marker = secrets.token_hex(8)
    response = requests.get(
        f"{served.url}/healthz", params={"code": "secret-code-" + marker, "m": marker}
    )
    assert response.status_code == 200
    time.sleep(0.5)  # the worker's line reaches the log file
    text = served.log.read_text()
    assert "secret-code-" not in text  # neither authserver's line nor a server line has it
    mine = [x for x in _json_lines(served.log) if marker in x.get("query", "")]
    assert len(mine) == 1 and mine[0]["query"] == f"code=[redacted]&m={marker}"
    assert mine[0]["status"] == 200 and mine[0]["path"] == "/healthz"
    assert text.count(marker) == 1  # granian's own access log is off


def test_sighup_replaces_workers_without_dropping_a_request(served):
    """Graceful restart (docs/deploy.md): SIGHUP to the main process starts new workers one by
    one, each before the old one stops; requests sent all the while all get 200.

    Each request on a new connection: an idle keep-alive connection held by a stopping worker
    is closed, and a client that sends on it at that moment sees the close (the usual
    keep-alive race; nginx retries an idempotent request on another connection)."""
    statuses: list[int | str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                answer = requests.get(
                    f"{served.url}/readyz", headers={"Connection": "close"}, timeout=10
                )
                statuses.append(answer.status_code)
            except requests.RequestException as error:
                statuses.append(repr(error)[:300])

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    before = served.log.read_text().count("Started worker")
    try:
        time.sleep(0.5)
        os.kill(served.process.pid, signal.SIGHUP)
        deadline = time.monotonic() + 60
        while served.log.read_text().count("Started worker") < before + 2:
            assert time.monotonic() < deadline, served.log.read_text()[-2000:]
            time.sleep(0.2)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert "Stopped old worker" in served.log.read_text()
    answered = [status for status in statuses if isinstance(status, int)]
    resets = [status for status in statuses if not isinstance(status, int)]
    # Every answer is a 200; a connection the stopping worker had just accepted may be reset
    # (granian 2.8; docs/deploy.md): rare, and never an error status.
    assert len(answered) > 20 and set(answered) == {200}, set(statuses)
    assert len(resets) <= max(1, len(statuses) // 100), resets
