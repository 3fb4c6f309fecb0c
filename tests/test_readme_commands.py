"""The newcomer's journey as printed: ``make run`` (its output, one log line per request, Alembic
quiet unless it migrates) and every ``sh`` block of README.md and docs/cli.md, run by bash in a
fresh checkout-like directory, with nothing substituted but what the README tells the reader to
set: ``PORT`` (the port given to ``make run``) and ``CODE`` (copied from the browser)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from .helpers import Browser, query_of
from .servers import ROOT, free_port

MALL = "demomall"


def sh_blocks(document: str) -> list[str]:
    """The ```sh blocks of a Markdown file, in order, dedented as the reader copies them."""
    text = (ROOT / document).read_text()
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", text, flags=re.DOTALL | re.MULTILINE)
    return [re.sub(rf"(?m)^{indent}", "", body) for indent, body in blocks]


@dataclass
class Checkout:
    """A directory laid out like a clone after ``make run``: the Makefile, ``.venv``."""

    path: Path
    env: dict[str, str]
    port: int
    shell: dict[str, str] = field(default_factory=dict)

    def make_run(self, log: Path) -> subprocess.Popen:
        # -o: the venv is this interpreter's, installed already; make must not reinstall it.
        with log.open("w") as output:
            return subprocess.Popen(
                ["make", "-o", ".venv/.installed", "run", f"PORT={self.port}"],
                cwd=self.path,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def bash(self, script: str) -> str:
        """Run ``script`` as the reader would in their second shell; keep what it sets."""
        env_file = self.path / "shell.env"
        result = subprocess.run(
            ["bash", "-c", f"set -euo pipefail\nset -a\n{script}\nenv -0 > {env_file}"],
            cwd=self.path,
            env={**self.env, **self.shell},
            capture_output=True,
            text=True,
            timeout=600,  # each command starts Python and the app; CI machines are slow
        )
        assert result.returncode == 0, f"{script}\n-- stdout:\n{result.stdout}\n{result.stderr}"
        for pair in env_file.read_text().split("\0"):
            name, _, value = pair.partition("=")
            if name and name not in self.env:
                self.shell[name] = value
        return result.stdout


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_until_serving(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 180  # the first start migrates and seeds
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run stopped"
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail("make run did not serve within 180 s")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Iterator[Checkout]:
    if shutil.which("make") is None:
        pytest.fail("make is not installed: the README's first command needs it")
    path = tmp_path_factory.mktemp("clone")
    shutil.copy(ROOT / "Makefile", path / "Makefile")
    (path / ".venv").symlink_to(sys.prefix)
    # A newcomer's shell: no AUTHSERVER_ settings, and none of make's own variables, which
    # `make test` passes down and which make a nested `make run` print "Entering directory".
    inherited = ("AUTHSERVER_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKE_TERM")
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    env.update(
        PYTHONPATH=str(ROOT),  # this tree's code, as an editable install of the clone would
        AUTHSERVER_INSTANCE_PATH=str(path / "instance"),
    )
    yield Checkout(path, env, free_port())


@pytest.fixture(scope="module")
def first_run(checkout) -> str:
    """``make run`` on a fresh instance (it migrates and seeds), stopped once it serves."""
    log = checkout.path / "first-run.log"
    process = checkout.make_run(log)
    try:
        _wait_until_serving(process, checkout.port)
    finally:
        _stop(process)
    return log.read_text()


@pytest.fixture(scope="module")
def served(checkout, first_run) -> Iterator[Path]:
    """A later ``make run``, left serving for the README's commands; yields its output file."""
    log = checkout.path / "run.log"
    process = checkout.make_run(log)
    try:
        _wait_until_serving(process, checkout.port)
        yield log
    finally:
        _stop(process)


def test_alembic_speaks_only_when_it_migrates(first_run, served):
    assert "INFO  [alembic.runtime.migration] Running upgrade" in first_run
    output = served.read_text()
    assert "alembic" not in output.lower()
    assert output.startswith("Database ready.\nDemo data"), output[:300]


def test_make_run_prints_what_the_readme_shows(checkout, served):
    path = f"/healthz?probe={time.time_ns()}&code=secret"
    requests.get(f"http://127.0.0.1:{checkout.port}{path}", timeout=5)
    deadline = time.monotonic() + 10  # the line is written after the answer
    while "probe=" not in served.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = re.sub(r"\x1b\[[0-9;]*m", "", served.read_text())  # Werkzeug's colours
    output = output.replace(str(checkout.port), "5000")
    lines = output.splitlines()
    # Each request is logged once: the JSON access line, not also Werkzeug's own line.
    probe = [line for line in lines if path.split("&")[0].removeprefix("/healthz?") in line]
    assert len(probe) == 1 and probe[0].startswith('{"time"'), output
    assert "secret" not in output
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"`make run` prints.*?```text\n(.*?)```", readme, re.DOTALL).group(1)
    keys = dict(re.findall(r"(App Key|App Secret) +(\S+)", output))
    for line in (line.strip() for line in shown.splitlines()):
        for name, value in re.findall(r"(App Key|App Secret) +(\S+)", line):
            line = line.replace(value, keys[name])
        line = line.removesuffix("...").strip()
        assert any(printed.strip().startswith(line) for printed in lines), (line, output)


def test_the_readme_journey_runs_as_printed(checkout, served):
    blocks = sh_blocks("README.md")
    assert len(blocks) == 4, "the journey's blocks: variables, exchange, Admin API, refresh"
    setup, exchange, admin_api, refresh = blocks
    assert "PORT=5000" in setup  # the one value the reader changes with make run PORT=...
    print(checkout.bash(setup.replace("PORT=5000", f"PORT={checkout.port}")))
    shell = checkout.shell
    assert {"APP_KEY", "APP_SECRET", "AUTHORIZE_URL", "BASE"} <= set(shell)

    # Step 2, in the browser: log in as the operator and approve; the code is in the address.
    browser = Browser(shell["BASE"], MALL)
    assert browser.login("owner", "demo-password").status_code == 303
    approved = browser.decide(shell["AUTHORIZE_URL"])
    shell["CODE"] = query_of(approved.headers["Location"])["code"]

    assert '"access_token"' in checkout.bash(exchange)
    assert '"products"' in checkout.bash(admin_api)
    old_access = shell["ACCESS"]
    assert '"refresh_token"' in checkout.bash(refresh)

    # What step 5 says: the access token from before the refresh stays active.
    products = f"{shell['BASE']}/malls/{MALL}/api/v2/admin/products"
    bearer = {"Authorization": f"Bearer {old_access}"}
    assert requests.get(products, headers=bearer, timeout=10).status_code == 200

    # What step 2 says: with the app installed with those scopes, no consent page.
    skipped = browser.open_consent(shell["AUTHORIZE_URL"])
    assert skipped.status_code in (302, 303)
    shell["CODE"] = query_of(skipped.headers["Location"])["code"]
    # What step 3 says: a code presented twice revokes the tokens issued from it.
    assert '"access_token"' in checkout.bash(exchange)
    replay = requests.post(
        f"{shell['BASE']}/malls/{MALL}/api/v2/oauth/token",
        auth=(shell["APP_KEY"], shell["APP_SECRET"]),
        data={
            "grant_type": "authorization_code",
            "code": shell["CODE"],
            "redirect_uri": "https://app.example/callback",
        },
        timeout=10,
    )
    assert replay.json()["error"] == "invalid_grant"
    assert "Invalid refresh_token" in checkout.bash(refresh)


def test_the_cli_session_of_docs_cli_md_runs_as_printed(checkout, served):
    (session,) = sh_blocks("docs/cli.md")
    output = checkout.bash(session)
    assert "App Secret" in output and "Re-encrypted" in output
    assert "app_status_changed" in output
