"""Real nginx for the gateway tests: deploy/nginx/authserver-gateway.conf on loopback ports.

``NginxGateway`` lays out a temporary prefix (every temp, log and pid path inside it, so nothing
needs /var/lib/nginx or /var/log/nginx), renders the committed configuration with this run's
ports, credential file and cache directory (each replaced string must be found exactly once, so
the test breaks rather than drift from the file), checks it with ``nginx -t`` and runs nginx in
the foreground until ``stop()``. ``EchoBackend`` stands in for the Admin API backend: it answers
every call with what it received, the X-Auth-* headers first.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .gateway_support import basic
from .servers import free_port

CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "authserver-gateway.conf"


def nginx_binary() -> str:
    """nginx, or a skip that says how to get it; in CI (``CI`` set) a missing nginx fails."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    reason = (
        "NGINX IS NOT INSTALLED: the real-gateway tests did not run. Install it with "
        "`make test-deps` (as root: apt-get install -y nginx)."
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "echo")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def echo_backend() -> Iterator[int]:
    """The stand-in Admin API backend on 127.0.0.1; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def render(authserver_port: int, backend_port: int, port: int, prefix: Path, gateway) -> str:
    """The committed configuration with this run's addresses and paths."""
    secret = prefix / "authserver-gateway.secret"
    secret.write_text(f'proxy_set_header X-Gateway-Authorization "{basic(*gateway)}";\n')
    secret.chmod(0o600)
    text = CONF.read_text()
    for old, new in {
        "server 127.0.0.1:5000;": f"server 127.0.0.1:{authserver_port};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{backend_port};",
        "listen 127.0.0.1:8080;": f"listen 127.0.0.1:{port};",
        "include /etc/nginx/authserver-gateway.secret;": f"include {secret};",
        "/var/cache/nginx/authserver-gateway ": f"{prefix}/cache ",
    }.items():
        assert text.count(old) == 1, f"{old!r} is not once in {CONF}"
        text = text.replace(old, new)
    return text


MAIN_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/client_body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/authserver-gateway.conf;
}}
"""


class NginxGateway:
    """nginx in the foreground on a loopback port, with the committed gateway configuration."""

    def __init__(self, prefix: Path, authserver_port: int, backend_port: int, gateway):
        self.binary = nginx_binary()
        self.prefix = prefix
        self.port = free_port()
        (prefix / "tmp").mkdir(parents=True, exist_ok=True)
        (prefix / "authserver-gateway.conf").write_text(
            render(authserver_port, backend_port, self.port, prefix, gateway)
        )
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(MAIN_CONF.format(prefix=prefix))
        self.authserver_url = f"http://127.0.0.1:{authserver_port}"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *extra: str) -> list[str]:
        log = str(self.prefix / "error.log")
        return [self.binary, "-p", str(self.prefix), "-c", str(self.conf), "-e", log, *extra]

    def check_config(self) -> str:
        result = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stderr

    def start(self) -> None:
        self.check_config()
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise AssertionError(f"nginx did not listen: {self.error_log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text()[-4000:] if path.exists() else ""
