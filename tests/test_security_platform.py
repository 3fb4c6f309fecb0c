"""Issue 16 (security round 2), platform items: private instance files (item 14), no tokens in
the development server's log (item 15), no issuer taken from an untrusted Host (item 5)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from authserver import create_app

ROOT = Path(__file__).resolve().parent.parent
ENTRY_VARIABLES = ("AUTHSERVER_ISSUER", "AUTHSERVER_TRUSTED_HOSTS")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _environment(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENTRY_VARIABLES}
    env.pop("AUTHSERVER_DATABASE_URL", None)
    env.update(AUTHSERVER_INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT), **extra)
    return env


# -- item 14: the instance folder 0700, the SQLite database 0600 -----------------------------
def test_a_fresh_instance_is_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("AUTHSERVER_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("AUTHSERVER_DATABASE_URL", raising=False)
    app = create_app({"AUTHSERVER_ACCESS_LOG": False})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert _mode(instance) == 0o700
    database = instance / "authserver.sqlite"
    assert _mode(database) == 0o600
    for name in ("secret_key", "authserver.sqlite-wal", "authserver.sqlite-shm"):
        if (instance / name).exists():
            assert _mode(instance / name) == 0o600, name
    with app.app_context():
        from authserver.extensions import db

        db.engine.dispose()


def test_an_existing_world_readable_instance_is_tightened(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "authserver.sqlite"
    database.write_bytes(b"")
    database.chmod(0o644)
    monkeypatch.setenv("AUTHSERVER_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("AUTHSERVER_DATABASE_URL", raising=False)
    create_app({"AUTHSERVER_ACCESS_LOG": False})
    assert _mode(instance) == 0o700
    assert _mode(database) == 0o600


# -- item 15: the development server logs no query secrets, one line per request --------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_dev_server(tmp_path: Path, **extra: str) -> str:
    port = _free_port()
    log = tmp_path / "dev.log"
    env = _environment(tmp_path / "instance", **extra)
    command = [sys.executable, "-m", "flask", "--app", "authserver", "run", "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    requests.get(f"{base}/healthz", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            answer = requests.get(f"{base}/healthz?access_token=SECRET1&code=SECRET2&x=kept")
            assert answer.status_code == 200
            requests.get(f"{base}/healthz?refresh_token=SECRET3&client_secret=SECRET4")
            time.sleep(0.3)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return log.read_text()


@pytest.mark.parametrize("access_log", ["1", "0"])
def test_flask_run_logs_no_query_secrets(tmp_path, access_log):
    output = _run_dev_server(tmp_path, AUTHSERVER_ACCESS_LOG=access_log)
    assert "SECRET" not in output, output
    # One line per request (the JSON access log, or Werkzeug's when it is off), redacted.
    lines = [line for line in output.splitlines() if "x=kept" in line]
    assert len(lines) == 1, output
    assert "access_token=[redacted]&code=[redacted]" in lines[0]
    assert len([line for line in output.splitlines() if "client_secret=" in line]) == 1


# -- item 5: the issuer never comes from an untrusted Host -----------------------------------
def test_untrusted_host_over_plain_http_is_400_in_each_surfaces_shape(live_server, world, gateway):
    evil = {"Host": "evil.example"}
    mall = f"{live_server}/malls/{world.mall_id}"
    for url in (
        f"{mall}/.well-known/oauth-authorization-server",
        f"{live_server}/.well-known/oauth-authorization-server/malls/{world.mall_id}",
        f"{mall}/.well-known/jwks.json",
    ):
        answer = requests.get(url, headers=evil)
        assert answer.status_code == 400, (url, answer.text[:200])
        assert answer.json()["error"] == "invalid_request"
        assert "AUTHSERVER_ISSUER" in answer.json()["error_description"]
        assert "evil.example" not in answer.text
    for endpoint in ("token", "introspect", "revoke"):
        answer = requests.post(f"{mall}/api/v2/oauth/{endpoint}", data={"token": "x"},
                               headers=evil, auth=gateway)  # fmt: skip
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    api = requests.get(f"{mall}/api/v2/admin/products", headers=evil)
    assert api.status_code == 400 and api.json()["error"]["code"] == 400
    assert "evil.example" not in api.headers.get("WWW-Authenticate", "")
    page = requests.get(f"{mall}/api/v2/oauth/authorize?client_id={world.web.client_id}",
                        headers=evil, allow_redirects=False)  # fmt: skip
    assert page.status_code == 400 and "Location" not in page.headers
    # Loopback hosts are trusted: the same document under its own host.
    for host in ("127.0.0.1", "localhost:8080", "[::1]:5000"):
        answer = requests.get(f"{mall}/.well-known/oauth-authorization-server",
                              headers={"Host": host})  # fmt: skip
        assert answer.status_code == 200, host
        assert answer.json()["issuer"] == f"http://{host}/malls/{world.mall_id}"


def test_configured_issuer_ignores_the_host(live_server, world, configure):
    configure(AUTHSERVER_ISSUER="https://auth.example.com")
    answer = requests.get(
        f"{live_server}/malls/{world.mall_id}/.well-known/oauth-authorization-server",
        headers={"Host": "evil.example"},
    )
    assert answer.status_code == 200
    assert answer.json()["issuer"] == f"https://auth.example.com/malls/{world.mall_id}"


def test_the_https_upgrade_never_follows_an_untrusted_host(live_server, world, configure):
    url = f"{live_server}/malls/{world.mall_id}/api/v2/oauth/authorize?client_id=x"
    untrusted = requests.get(url, headers={"Host": "evil.example"}, allow_redirects=False)
    assert untrusted.status_code == 400 and "Location" not in untrusted.headers
    configure(AUTHSERVER_ISSUER="https://auth.example.com")
    upgraded = requests.get(url, headers={"Host": "evil.example"}, allow_redirects=False)
    assert upgraded.status_code == 301
    assert upgraded.headers["Location"] == (
        f"https://auth.example.com/malls/{world.mall_id}/api/v2/oauth/authorize?client_id=x"
    )


def _import_wsgi(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import wsgi\n{code}"],
        env=_environment(tmp_path / "instance", AUTHSERVER_ACCESS_LOG="0", **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_entry_point_refuses_to_start_without_issuer_or_trusted_hosts(tmp_path):
    refused = _import_wsgi(tmp_path, "")
    assert refused.returncode != 0
    assert (
        "set AUTHSERVER_ISSUER" in refused.stderr and "AUTHSERVER_TRUSTED_HOSTS" in refused.stderr
    )
    issuer = _import_wsgi(tmp_path, "", AUTHSERVER_ISSUER="https://auth.example.com")
    assert issuer.returncode == 0, issuer.stderr


def test_trusted_hosts_refuse_every_other_host(tmp_path):
    code = """
client = wsgi.app.test_client()
print(client.get("/healthz", headers={"Host": "evil.example"}).status_code)
print(client.get("/healthz", headers={"Host": "auth.example.com"}).status_code)
meta = client.get("/malls/x/.well-known/oauth-authorization-server",
                  headers={"Host": "evil.example"})
print(meta.status_code, meta.json["error"])
plain = client.get("/malls/x/.well-known/oauth-authorization-server",
                   headers={"Host": "auth.example.com"})
print(plain.status_code, plain.json["error"])
"""
    result = _import_wsgi(tmp_path, code, AUTHSERVER_TRUSTED_HOSTS="auth.example.com, .example.net")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "400"  # Flask's TRUSTED_HOSTS, before any view
    assert lines[1] == "200"
    assert lines[2] == "400 invalid_request"
    # A trusted host over plain http still cannot name an (http) issuer: 400, never a 500.
    assert lines[3] == "400 invalid_request"
