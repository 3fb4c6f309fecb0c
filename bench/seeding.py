"""Benchmark data: a mall with an installed app, a gateway, live tokens and single-use codes.

Seeded through the models for the few rows that need them (App Secret encryption, password
hashes) and in bulk for the many: authorization codes by a multi-row INSERT, tokens by
PostgreSQL's COPY (psycopg) or, on SQLite, a multi-row INSERT in batches.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

REDIRECT_URI = "https://app.example/cb"
SCOPE = "mall.read_product mall.read_order"
TOKEN_BATCH = 50_000


@dataclass
class Seeded:
    """What a target was seeded with: the credentials scenarios build requests from."""

    mall_id: str = "benchmall"
    client_id: str = "C" * 22
    client_secret: str = "S" * 32
    codes: list[str] = field(default_factory=list)
    #: gateway credentials (introspection) and one live access token with ``SCOPE``
    gateway_id: str = "gw_" + "G" * 22
    gateway_secret: str = "S" * 32
    access_token: str = "A" * 32
    #: how many live token rows the tokens table holds
    tokens: int = 0
    #: seconds it took to bulk-load them
    token_seconds: float = 0.0
    #: False for the bare app, which accepts anything (its credentials never run out)
    real: bool = True


def seed(database_url: str, env: dict[str, str], codes: int, tokens: int = 10_000) -> Seeded:
    """Schema (migrations), developer, mall, installed app, gateway, products, codes, tokens."""
    from sqlalchemy import insert

    from authserver import create_app
    from authserver.admin_api import records
    from authserver.admin_api.resources import RESOURCES
    from authserver.extensions import db
    from authserver.models import (
        App,
        AuthorizationCode,
        Developer,
        GatewayClient,
        Installation,
        Mall,
        Operator,
    )
    from authserver.models.base import utcnow
    from authserver.security.crypto import sha256_hex
    from authserver.store.schema import upgrade_database

    app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": env["AUTHSERVER_SECRET_KEY"],
            "AUTHSERVER_ENCRYPTION_KEYS": env["AUTHSERVER_ENCRYPTION_KEYS"],
            "AUTHSERVER_ACCESS_LOG": False,
        }
    )
    seeded = Seeded()
    with app.app_context():
        upgrade_database()  # what `init-db` does
        developer = Developer(email="bench@example.com")
        developer.set_password(secrets.token_urlsafe(16))
        mall = Mall(mall_id=seeded.mall_id, test_mall_of=developer)
        operator = Operator(user_id="owner", mall=mall)
        operator.set_password(secrets.token_urlsafe(16))
        client, seeded.client_secret = App.register(
            developer=developer,
            name="Bench App",
            app_url="https://app.example/",
            redirect_uris=[REDIRECT_URI],
            scope=SCOPE,
        )
        seeded.gateway_secret = secrets.token_urlsafe(24)
        gateway = GatewayClient(
            name="bench", client_id=seeded.gateway_id, secret_hash=sha256_hex(seeded.gateway_secret)
        )
        db.session.add_all([developer, mall, operator, client, gateway])
        db.session.flush()
        db.session.add(
            Installation(mall_pk=mall.id, app_pk=client.id, scope=SCOPE, operator_user_id="owner")
        )
        for number, name in enumerate(("Linen shirt", "Wool scarf", "Canvas tote"), 1):
            records.create_record(
                mall.id,
                RESOURCES["products"],
                None,
                {"product_name": name, "price": f"{10 * number}.00"},
            )
        db.session.commit()
        seeded.client_id = client.client_id
        seeded.codes = [secrets.token_urlsafe(32) for _ in range(codes)]
        now = utcnow()
        rows = [
            {
                "code_hash": sha256_hex(code),
                "app_pk": client.id,
                "mall_pk": mall.id,
                "user_id": "owner",
                "redirect_uri": REDIRECT_URI,
                "scope": SCOPE,
                "code_challenge": None,
                "code_challenge_method": None,
                "created_at": now,
                "expires_at": now + timedelta(hours=1),
                "used_at": None,
            }
            for code in seeded.codes
        ]
        if rows:
            db.session.connection().execute(insert(AuthorizationCode.__table__), rows)
        db.session.commit()
        seeded.access_token = secrets.token_urlsafe(32)
        started = time.monotonic()
        load_tokens(db.engine, client.id, mall.id, tokens, seeded.access_token)
        seeded.token_seconds = time.monotonic() - started
        seeded.tokens = tokens
        db.session.remove()
        db.engine.dispose()
    return seeded


def _token_row(now: datetime, app_pk: int, mall_pk: int, access_hash: str) -> tuple:
    """(family, app, mall, user, scope, grant scope, access hash, refresh hash, 4 times)."""
    return (
        secrets.token_hex(16),
        app_pk,
        mall_pk,
        "owner",
        SCOPE,
        SCOPE,
        access_hash,
        secrets.token_hex(32),
        now,
        now + timedelta(hours=2),
        now + timedelta(days=14),
    )


TOKEN_COLUMNS = (
    "family_id, app_pk, mall_pk, user_id, scope, grant_scope, access_token_hash, "
    "refresh_token_hash, issued_at, access_expires_at, refresh_expires_at"
)


def load_tokens(engine, app_pk: int, mall_pk: int, count: int, known_token: str) -> None:
    """``count`` live token rows, ``known_token`` among them (in the middle of the table)."""
    from authserver.models.base import utcnow
    from authserver.security.crypto import sha256_hex

    now = utcnow()
    known_at = count // 2

    def rows(start: int, stop: int):
        for index in range(start, stop):
            digest = sha256_hex(known_token) if index == known_at else secrets.token_hex(32)
            yield _token_row(now, app_pk, mall_pk, digest)

    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY tokens ({TOKEN_COLUMNS}) FROM STDIN") as copy:
                for row in rows(0, count):
                    copy.write_row(row)
            cursor.execute("ANALYZE tokens")
        else:
            marks = ", ".join("?" * 11)
            for start in range(0, count, TOKEN_BATCH):
                cursor.executemany(
                    f"INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ({marks})",
                    [
                        (*r[:8], *(t.isoformat(sep=" ") for t in r[8:]))
                        for r in rows(start, min(count, start + TOKEN_BATCH))
                    ],
                )
        raw.commit()
    finally:
        raw.close()


def create_postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on ``server_url``'s server; returns its URL and a function dropping it."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"authserver_bench_{secrets.token_hex(4)}"
    admin = make_url(server_url).set(drivername="postgresql")
    if not admin.database:
        admin = admin.set(database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop
