"""Progress bars on the long CLI operations (tokens cleanup, keys rotate, the demo's seeding):
shown when stdout is a terminal (a pseudo-terminal here), never with --json or into a pipe."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from authserver import create_app
from authserver.extensions import db
from authserver.models import App, AuthorizationCode, Mall
from authserver.models.base import utcnow

from .servers import ROOT, TEST_ENCRYPTION_KEY

AUTHSERVER = str(Path(sys.prefix) / "bin" / "authserver")


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("progress")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUTHSERVER_")}
    env.update(
        PYTHONPATH=str(ROOT),
        AUTHSERVER_INSTANCE_PATH=str(path),
        AUTHSERVER_DATABASE_URL=f"sqlite:///{path / 'progress.sqlite'}",
        AUTHSERVER_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY,
        COLUMNS="100",
    )
    return env


def in_terminal(env: dict[str, str], *args: str) -> str:
    """Run the console script with a pseudo-terminal as stdin and stdout; what it wrote there."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [AUTHSERVER, *args], stdin=secondary, stdout=secondary, stderr=subprocess.PIPE, env=env
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors.decode()
    return b"".join(chunks).decode().replace("\r\n", "\n")


def in_pipe(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [AUTHSERVER, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def expired_codes(env: dict[str, str], count: int) -> None:
    """``count`` expired authorization codes of the demo app, for ``tokens cleanup``."""
    app = create_app({"AUTHSERVER_DATABASE_URL": env["AUTHSERVER_DATABASE_URL"]})
    now = utcnow()
    with app.app_context():
        demo = db.session.scalar(select(App).where(App.name == "Demo App"))
        mall = db.session.scalar(select(Mall).where(Mall.mall_id == "demomall"))
        rows = [
            {
                "code_hash": os.urandom(32).hex(),
                "app_pk": demo.id,
                "mall_pk": mall.id,
                "user_id": "owner",
                "redirect_uri": "https://app.example/callback",
                "scope": "mall.read_product",
                "created_at": now - timedelta(hours=2),
                "expires_at": now - timedelta(hours=1),
            }
            for _ in range(count)
        ]
        db.session.execute(insert(AuthorizationCode.__table__), rows)
        db.session.commit()
        db.engine.dispose()


def test_progress_at_a_terminal_and_none_with_json_or_a_pipe(instance):
    first = in_terminal(instance, "demo")
    assert "Seeding the demo data" in first and "100%" in first
    assert "App Key" in first
    again = in_terminal(instance, "demo")  # nothing left to seed: the same text, no bar
    assert "Seeding" not in again and "App Key" in again

    rotated = in_terminal(instance, "keys", "rotate")
    assert "Re-encrypting App Secrets" in rotated and "100%" in rotated
    assert rotated.strip().endswith("Re-encrypted 1 App Secrets.")
    assert json.loads(in_terminal(instance, "keys", "rotate", "--json")) == {"re_encrypted": 1}
    assert in_pipe(instance, "keys", "rotate") == "Re-encrypted 1 App Secrets.\n"

    expired_codes(instance, 30)
    cleaned = in_terminal(instance, "tokens", "cleanup", "--batch-size", "7")
    assert "Deleting expired and revoked rows" in cleaned and "100%" in cleaned
    assert "30 authorization codes" in cleaned
    expired_codes(instance, 5)
    quiet = in_terminal(instance, "tokens", "cleanup", "--json")
    assert json.loads(quiet)["authorization_codes"] == 5  # the whole output is that JSON
    expired_codes(instance, 5)
    assert "Deleting" not in in_pipe(instance, "tokens", "cleanup")
