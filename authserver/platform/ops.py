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
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from authserver.extensions import csrf, db
from authserver.platform import mall_hosts

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
                handlers = log.handlers
                if len(handlers) == 1 and type(handlers[0]) is LineHandler and not log.filters:
                    # The logger as _access_logger set it up: its one handler writes the line
                    # as it is, so the LogRecord that logging would build around it first (as
                    # much work as the line itself, on every request) is skipped.
                    handlers[0].write_line(line)
                else:  # handlers or filters added since (a test's capture, say): the full path
                    record = log.makeRecord(log.name, logging.INFO, __file__, 0, line, None, None)
                    log.handle(record)

    @staticmethod
    def _line(environ: dict[str, Any], status: str, started: float) -> str:
        raw_query = environ.get("QUERY_STRING", "")
        query = ""
        if raw_query:  # most API calls carry none: no call to make for them
            try:
                query = redact_query(raw_query)
            except ValueError:
                query = REDACTED
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))[:512]
        # The fields in a fixed order, each string escaped as json.dumps escapes it: what
        # encoding the dict did, without walking it. A WSGI status starts with its three
        # digits (PEP 3333).
        return (
            f'{{"time":"{_now()}",'
            f'"method":{_json_string(environ.get("REQUEST_METHOD", ""))},'
            f'"path":{_json_string(path)},'
            f'"query":{_json_string(query[:1024])},'
            f'"status":{int(status[:3])},'
            f'"duration_ms":{round((time.perf_counter() - started) * 1000, 2)!r},'
            f'"remote_addr":{_json_string(environ.get("REMOTE_ADDR", ""))},'
            f'"user_agent":{_json_string(environ.get("HTTP_USER_AGENT", "")[:200])}}}'
        )


def _now() -> str:
    """The time as ``datetime.now(UTC).isoformat(timespec="milliseconds")`` writes it.

    The part up to the second is formatted once per second; only the milliseconds are new.
    """
    now = time.time()
    second = int(now)
    prefix = _second_prefix.get(second)
    if prefix is None:
        _second_prefix.clear()
        prefix = _second_prefix[second] = datetime.fromtimestamp(second, UTC).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )
    return f"{prefix}.{int((now - second) * 1000):03d}+00:00"


_second_prefix: dict[int, str] = {}


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

    def write_line(self, line: str) -> None:
        """What ``handle`` would do with a record of ``line``, for a handler with no filters."""
        if self.filters or self.level > logging.INFO:
            return self.handle(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))
        with self.lock:  # one line at a time under gthread, as Handler.handle does
            try:
                self.stream.write(f"{line}\n")
            except Exception:  # noqa: BLE001 - logging's contract: report, never raise
                self.handleError(logging.makeLogRecord({"msg": line}))
        return None


#: A query in a line of Werkzeug's development server (up to a space, a quote or a colour code).
_QUERY_IN_LINE = re.compile(r"\?([^\s\"'\x1b]*)")
#: Werkzeug's request line, ``"GET /path HTTP/1.1" 200 -`` (possibly in ANSI colours).
_REQUEST_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*[A-Z]+ \S+ HTTP/[0-9.]+')


class DevServerLogFilter(logging.Filter):
    """The ``werkzeug`` logger of ``flask run`` (SECURITY.md item 30): every query in its lines
    redacted as the access log redacts it, and, while the JSON access log is on, its request
    lines dropped, so each request is logged once (issue 19)."""

    def __init__(self, drop_request_lines: bool):
        super().__init__()
        self.drop_request_lines = drop_request_lines

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if (
            self.drop_request_lines
            and record.levelno == logging.INFO
            and _REQUEST_LINE.search(message)
        ):
            return False
        if "?" in message:
            record.msg, record.args = _QUERY_IN_LINE.sub(_redacted_match, message), None
        return True


def _redacted_match(match: re.Match[str]) -> str:
    try:
        return "?" + redact_query(match.group(1))
    except ValueError:
        return "?" + REDACTED


def _dev_server_log(access_log: bool) -> None:
    """Install :class:`DevServerLogFilter` on the ``werkzeug`` logger, once per process."""
    log = logging.getLogger("werkzeug")
    for existing in log.filters:
        if isinstance(existing, DevServerLogFilter):
            existing.drop_request_lines = access_log
            return
    log.addFilter(DevServerLogFilter(access_log))


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
    mall_hosts.init_app(app)  # inside ProxyFix: it reads the Host the proxy forwarded
    app.wsgi_app = AccessLog(app.wsgi_app, _access_logger(app.config["AUTHSERVER_ACCESS_LOG"]))
    _dev_server_log(app.config["AUTHSERVER_ACCESS_LOG"])
    hops = app.config["AUTHSERVER_PROXY_HOPS"]
    if hops < 0:
        raise ValueError("AUTHSERVER_PROXY_HOPS must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
