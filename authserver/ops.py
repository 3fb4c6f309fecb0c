"""Running in production: ProxyFix for a TLS proxy, JSON access logs, /healthz and /readyz.

- ``AUTHSERVER_PROXY_HOPS=N`` trusts exactly N proxies' ``X-Forwarded-*`` headers (SECURITY.md
  item 40); the default 0 trusts none, so a spoofed ``X-Forwarded-Proto`` changes nothing.
- One JSON line per request on the ``authserver.access`` logger, with credential-bearing query
  parameters redacted (SECURITY.md item 30): tokens, codes and secrets never reach a log.
- ``/healthz`` says the process answers (no database); ``/readyz`` runs ``SELECT 1`` and answers
  503 while the database is unreachable. Idle pooled connections are pinged before use
  (dbpool.py), so a node recovers by itself once the database is back (SECURITY.md §3, F1-F2).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, db
from .http import COMPACT_JSON

ACCESS_LOGGER = "authserver.access"

#: Query parameters whose values are credentials (or close enough) and are never logged.
SECRET_PARAMETERS = frozenset(
    {
        "code",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "id_token_hint",
        "client_secret",
        "code_verifier",
        "password",
        "assertion",
        "client_assertion",
        "hmac",
    }
)
REDACTED = "[redacted]"

bp = Blueprint("ops", __name__)
logger = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. Never touches the database."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers ``SELECT 1``; 503 JSON otherwise."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "do not route traffic here"
        # The class name only: driver messages can carry host names and user names.
        logger.warning("readiness check failed: %s", type(exc).__name__)
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
        response.headers["Cache-Control"] = "no-store"
        response.headers["Retry-After"] = "5"
        return response
    return jsonify(status="ok", database="ok")


def redact_query(query: str) -> str:
    """The query string with the values of :data:`SECRET_PARAMETERS` replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(key, REDACTED if key.lower() in SECRET_PARAMETERS else value) for key, value in pairs],
        safe="[]",
    )


class AccessLog:
    """WSGI middleware: one JSON line per request, written after the app has answered."""

    def __init__(self, wsgi_app: Callable, log: logging.Logger):
        self.wsgi_app = wsgi_app
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, str] = {}

        def capture(status: str, headers, exc_info=None):
            seen["status"] = status
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, capture)
        finally:
            log = self.log
            if log.isEnabledFor(logging.INFO):
                line = self._line(environ, seen.get("status", "500"), started)
                # What log.info() does, less its walk up the stack for the caller's file and
                # line, which an access line never shows: this runs on every request.
                log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, line, None, None))

    @staticmethod
    def _line(environ: dict[str, Any], status: str, started: float) -> str:
        raw_query = environ.get("QUERY_STRING", "")
        try:
            query = redact_query(raw_query)
        except ValueError:
            query = REDACTED
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))[:512],
            "query": query[:1024],
            "status": int(status.split(" ", 1)[0]),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:200],
        }
        return COMPACT_JSON.encode(record)


class LineHandler(logging.StreamHandler):
    """Writes each access line as it is: it is already JSON, so no formatter is needed.

    No flush after each line: ``sys.stderr`` is line-buffered (Python 3.9+), so every line
    reaches the file or pipe as it is written.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(f"{record.msg}\n")
        except Exception:  # noqa: BLE001 - logging's contract: report, never raise
            self.handleError(record)


def _access_logger(enabled: bool) -> logging.Logger:
    log = logging.getLogger(ACCESS_LOGGER)
    if enabled and not log.handlers:
        handler = LineHandler(sys.stderr)
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def init_app(app: Flask) -> None:
    """Health endpoints, the access log and (when configured) ProxyFix, outermost."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.wsgi_app = AccessLog(app.wsgi_app, _access_logger(app.config["AUTHSERVER_ACCESS_LOG"]))
    hops = app.config["AUTHSERVER_PROXY_HOPS"]
    if hops < 0:
        raise ValueError("AUTHSERVER_PROXY_HOPS must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
