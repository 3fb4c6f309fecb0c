"""The floor: a plain Flask app doing authserver's database work for the benchmarked calls.

A reference between the bare ceiling (``bare_app.py``: fixed JSON, no database) and authserver:
a plain Flask app that answers every benchmark scenario by running the very statements
authserver runs on the same database, on one DBAPI connection per worker, checks their rows
and answers JSON:

- introspection: the prefetched lookup (mall, gateway, token); the gateway's secret hash, the
  token's expiry, revocation and installation;
- the Admin API GET, with and without the scope: the token lookup and the records page (on
  PostgreSQL in one statement, as authserver reads it), the token's checks and scopes;
- the code exchange: the prefetched lookup (mall, app, code); the App Secret (decrypted, as
  authserver keeps it), the code's app, redirect URI, expiry and installation; then the code's
  consume, the token row and the audit row in one transaction (on PostgreSQL the one
  statement), written as authserver writes them (its statements and bind processing, SQLite's
  pragmas and writer lock).

No Authlib, no hooks (security headers, limits, brute-force buckets, access log), no error
handling beyond the scenario's answers. Served under the same gunicorn settings, it shows what
that database work, done the plain way, leaves of the bare ceiling on this machine; the gap
between it and authserver is what authserver's own code costs (bench/run.py's ``floor-sqlite``
and ``floor-postgresql`` targets).

Not for serving anything: it trusts its input and answers only the benchmark's calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections import namedtuple
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, request
from sqlalchemy import create_engine

from authserver import _sqlite_pragmas, audit
from authserver.admin_api import list_prefetch, records
from authserver.admin_api.resources import RESOURCES
from authserver.crypto import SecretBox, random_base62
from authserver.http import COMPACT_JSON
from authserver.models.base import epoch_seconds, utcnow
from authserver.oauth import code_store, prefetch, token_lookup, token_prefetch, tokens
from authserver.sqlite_writers import SerialisedWriters
from authserver.write_path import Statement

app = Flask(__name__)

DATABASE_URL = os.environ["AUTHSERVER_DATABASE_URL"]
_dialect = create_engine(DATABASE_URL).dialect
_IS_SQLITE = _dialect.name == "sqlite"
#: The scope the two benchmarked Admin API paths need (``scope_map.py`` has them all).
RESOURCE_SCOPES = {"products": "mall.read_product", "customers": "mall.read_customer"}


def _compiled(statement: Any) -> tuple[str, list[str] | None]:
    """The statement's SQL for this database and, for positional placeholders, the order of
    its parameters' names."""
    compiled = statement.compile(dialect=_dialect)
    names = list(compiled.positiontup) if compiled.positional else None
    return compiled.string, names


_INTROSPECT = _compiled(prefetch._PREFETCH)
_TOKEN = _compiled(token_lookup.ADMIN_API_LOOKUP)
_LIST = _compiled(records._STATEMENTS[False]["list"])
#: On PostgreSQL authserver reads a list's page with the token, in one round trip
#: (``list_prefetch.py``), and a lookup it refused once (no scope) by itself next time.
_LIST_WITH_TOKEN = None if _IS_SQLITE else _compiled(list_prefetch._STATEMENTS[False])
_refused: set[tuple[str, str]] = set()

_connection: Any = None


def _run(statement: tuple[str, list[str] | None], parameters: dict[str, Any]) -> list[tuple]:
    global _connection
    if _connection is None:  # opened in the worker, after gunicorn's fork
        if _IS_SQLITE:
            # Reads outside a transaction; a write opens one, holding the writer lock.
            path = DATABASE_URL.split("///", 1)[1]
            _connection = sqlite3.connect(path, factory=SerialisedWriters)
            _sqlite_pragmas(_connection, None)
        else:
            import psycopg

            url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://", 1)
            _connection = psycopg.connect(url, autocommit=True)
    sql, names = statement
    bound = [parameters[name] for name in names] if names is not None else parameters
    cursor = _connection.cursor()
    try:
        cursor.execute(sql, bound)
        return cursor.fetchall()
    finally:
        cursor.close()


def _moment(value: Any) -> datetime:
    """A DATETIME column as a naive UTC datetime (SQLite returns the stored text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = app.json.response(body)
    response.status_code = status
    return response


@app.post("/malls/<mall_id>/api/v2/oauth/introspect")
def introspect(mall_id: str) -> Response:
    basic = base64.b64decode(request.headers["Authorization"][6:]).decode()
    gateway_id, _, secret = basic.partition(":")
    token = request.form["token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    rows = _run(_INTROSPECT, {"mall_id": mall_id, "gateway_id": gateway_id, "digest": digest})
    if not rows:
        return _json({"error": "not_found"}, 404)
    row = dict(zip(_COLUMNS, rows[0], strict=True))
    secret_hash = hashlib.sha256(secret.encode()).hexdigest()
    if row["gateway_secret_hash"] is None or not hmac.compare_digest(
        row["gateway_secret_hash"], secret_hash
    ):
        return _json({"error": "invalid_client"}, 401)
    expires = _moment(row["access_expires_at"]) if row["id"] is not None else None
    if expires is None or expires <= utcnow() or row["access_revoked_at"] is not None:
        return _json({"active": False})
    if row["lookup_installation_pk"] is None:
        return _json({"active": False})
    # The scopes usable now: the token's, still installed and still the app's.
    allowed = set(row["lookup_installation_scope"].split()) & set(row["lookup_app_scope"].split())
    response = _json(
        {
            "active": True,
            "scope": " ".join(s for s in row["scope"].split() if s in allowed),
            "client_id": row["lookup_client_id"],
            "mall_id": row["lookup_mall_id"],
            "user_id": row["user_id"],
            "sub": row["user_id"],
            "token_type": "Bearer",
            "exp": epoch_seconds(expires),
            "iat": epoch_seconds(_moment(row["issued_at"])),
            "iss": f"{request.scheme}://{request.host}/malls/{row['lookup_mall_id']}",
        }
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


_COLUMNS = [column.key for column in prefetch._PREFETCH.selected_columns]
_TOKEN_COLUMNS = [column.key for column in token_lookup.ADMIN_API_LOOKUP.selected_columns]


@app.get("/malls/<mall_id>/api/v2/admin/<path:resource>")
def admin_api(mall_id: str, resource: str) -> Response:
    token = request.headers["Authorization"][7:]
    digest = hashlib.sha256(token.encode()).hexdigest()
    scope = RESOURCE_SCOPES.get(resource)
    items = None
    if _LIST_WITH_TOKEN is not None and (digest, resource) not in _refused:
        page = {"resource": resource, "limit": 10, "offset": 0}
        parameters = {"digest": digest, "mall_id": mall_id, "scope": scope, **page}
        rows = _run(_LIST_WITH_TOKEN, parameters)
        width = list_prefetch._WIDTH
        if rows and rows[0][width - 1]:  # the statement's gate: the page is the answer's
            items = [row[width:] for row in rows if row[width] is not None]
        else:
            _refused.add((digest, resource))
    else:
        rows = _run(_TOKEN, {"digest": digest})
    row = dict(zip(_TOKEN_COLUMNS, rows[0], strict=False)) if rows else None
    if (
        row is None
        or row["lookup_mall_id"] != mall_id
        or row["access_revoked_at"] is not None
        or _moment(row["access_expires_at"]) <= utcnow()
        or row["lookup_installation_pk"] is None
    ):
        return _json({"error": {"code": 401, "message": "invalid_token"}}, 401)
    granted = row["scope"].split()
    installed = (row["lookup_installation_scope"] or "").split()
    if (
        scope not in granted
        or scope not in installed
        or scope not in row["lookup_app_scope"].split()
    ):
        return _json({"error": {"code": 404, "message": "No API found"}}, 404)
    if items is None:
        page = {"mall_pk": row["mall_pk"], "resource": resource, "limit": 10, "offset": 0}
        items = _run(_LIST, page)
    texts = ",".join(_record_text(resource, item) for item in items)
    return Response(f'{{"{resource}":[{texts}]}}', mimetype="application/json")


_Record = namedtuple("_Record", "record_no data created_date updated_date")
_ZONE = ZoneInfo(os.environ.get("AUTHSERVER_TIMEZONE") or "UTC")
#: A record's JSON text by its row as the driver returns it, as authserver remembers them.
_texts: dict[tuple, str] = {}


def _record_text(resource: str, raw: tuple) -> str:
    text = _texts.get(raw)
    if text is None:
        number, data, created, updated = raw
        record = _Record(number, json.loads(data), _moment(created), _moment(updated))
        text = COMPACT_JSON.encode(records.to_json(RESOURCES[resource], record, _ZONE))
        _texts[raw] = text
    return text


_EXCHANGE = _compiled(token_prefetch._PREFETCH)
_EXCHANGE_COLUMNS = [column.key for column in token_prefetch._PREFETCH.selected_columns]
#: The App Secrets' keys, as bench/run.py gives every target (never a key file made here).
_SECRETS = SecretBox.from_config(os.environ["AUTHSERVER_ENCRYPTION_KEYS"], "")
_ACCESS_SECONDS, _REFRESH_SECONDS = 2 * 3600, 14 * 24 * 3600
#: (statement, parameter keys) -> the statement compiled for them, as write_path.py keeps them.
_writes: dict[tuple[Any, tuple[str, ...]], Statement] = {}


def _execute(statement: Any, parameters: dict[str, Any]) -> Any:
    """Run a write (with authserver's bind processing); the first row of what it returns."""
    key = (statement, tuple(parameters))
    compiled = _writes.get(key) or _writes.setdefault(key, Statement(statement, _dialect, key[1]))
    cursor = _connection.cursor()
    try:
        cursor.execute(compiled.sql, compiled.parameters(parameters))
        return cursor.fetchone()
    finally:
        cursor.close()


@app.post("/malls/<mall_id>/api/v2/oauth/token")
def token(mall_id: str) -> Response:
    basic = base64.b64decode(request.headers["Authorization"][6:]).decode()
    client_id, _, secret = basic.partition(":")
    form = request.form
    code = form["code"]
    parameters = {
        "mall_id": mall_id,
        "client_id": client_id,
        "digest": hashlib.sha256(code.encode()).hexdigest(),
    }
    rows = _run(_EXCHANGE, parameters)
    if not rows:
        return _json({"error": "not_found"}, 404)
    row = dict(zip(_EXCHANGE_COLUMNS, rows[0], strict=True))
    stored = row["app_client_secret_encrypted"]
    if stored is None or not hmac.compare_digest(_SECRETS.decrypt(stored), secret):
        return _json({"error": "invalid_client"}, 401)
    presented = code_store.PresentedCode(*rows[0][token_prefetch._CODE_AT :])
    now = utcnow()
    if (
        presented.id is None
        or presented.app_pk != row["app_id"]
        or presented.redirect_uri != form["redirect_uri"]
        or _moment(presented.expires_at) <= now
        or presented.installed_scope is None
    ):
        return _json({"error": "invalid_grant"}, 400)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    access, refresh = random_base62(32), random_base62(32)
    row_values = {
        "family_id": secrets.token_hex(16),
        "parent_id": None,
        "code_pk": presented.id,
        "app_pk": presented.app_pk,
        "mall_pk": presented.mall_pk,
        "user_id": presented.user_id,
        "scope": presented.scope,
        "grant_scope": presented.scope,
        "access_token_hash": hashlib.sha256(access.encode()).hexdigest(),
        "refresh_token_hash": hashlib.sha256(refresh.encode()).hexdigest(),
        "issued_at": now,
        "access_expires_at": now + timedelta(seconds=_ACCESS_SECONDS),
        "refresh_expires_at": now + timedelta(seconds=_REFRESH_SECONDS),
    }
    event = {
        "event": "token_issued",
        "actor": f"app:{client_id}",
        "mall_id": mall_id,
        "client_id": client_id,
        "ip": request.remote_addr,
        "detail": {"grant_type": "authorization_code"},
    }
    if not _IS_SQLITE:  # PostgreSQL: one statement, in autocommit
        redeem = code_store.redeem_parameters(presented, now, row_values, event)
        won = _execute(code_store.REDEEM, redeem) is not None
    else:
        consume = code_store.consume_parameters(presented, now)
        won = _execute(code_store.CONSUME, consume) is not None
        if won:
            _execute(tokens.INSERT, row_values)
            _execute(audit.INSERT, event)
        _connection.commit()
    if not won:
        return _json({"error": "invalid_grant"}, 400)
    scopes = presented.scope.split()
    response = _json(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": _ACCESS_SECONDS,
            "expires_at": row_values["access_expires_at"].isoformat(timespec="milliseconds"),
            "refresh_token": refresh,
            "refresh_token_expires_at": row_values["refresh_expires_at"].isoformat(
                timespec="milliseconds"
            ),
            "client_id": client_id,
            "mall_id": mall_id,
            "user_id": presented.user_id,
            "scope": " ".join(scopes),
            "scopes": scopes,
            "issued_at": now.isoformat(timespec="milliseconds"),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@app.get("/healthz")
@app.get("/readyz")
def health() -> Response:
    return _json({"status": "ok"})
