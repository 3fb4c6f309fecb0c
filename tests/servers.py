"""Test plumbing for production tests: the production server on a loopback port, an extra app
in a thread, and a TCP proxy that can cut a database connection (a node recovering by itself)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import Flask
from werkzeug.serving import make_server

TEST_ENCRYPTION_KEY = "1hk_cCqcmn3u4zGQjTd4pVF-fVGyUSvA1lSDaQEs3ns="
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ProductionServer:
    """A running ``deploy/serve.py`` (granian): its base URL, main process and log file."""

    url: str
    process: subprocess.Popen
    log: Path


@contextlib.contextmanager
def production_server(
    env: dict[str, str], log: Path, *, own_issuer: bool = False, timeout: float = 60
) -> Iterator[ProductionServer]:
    """Start the production server as ``make serve`` does (``deploy/serve.py``, ``wsgi:app``)
    on 127.0.0.1:<free port>, wait until /readyz answers 200, stop it (all its workers) at the
    end. ``env`` is the whole environment; HOST and PORT are set here, and
    AUTHSERVER_TRUSTED_HOSTS defaults to 127.0.0.1 (wsgi.py refuses to start without it or an
    issuer). ``own_issuer``: a server alone, its own URL the issuer. Output goes to ``log``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"AUTHSERVER_TRUSTED_HOSTS": "127.0.0.1", **env, "HOST": "127.0.0.1", "PORT": str(port)}
    if own_issuer:
        env["AUTHSERVER_ISSUER"] = url
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "deploy/serve.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            # its own process group, so the teardown reaches every worker
            start_new_session=True,
        )
    server = ProductionServer(url, process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if requests.get(f"{server.url}/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)  # deploy/serve.py gives requests in flight 30 s
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@contextlib.contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; stop it when the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop()`` drops the listener and every
    connection (the database "goes away"), ``start()`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
