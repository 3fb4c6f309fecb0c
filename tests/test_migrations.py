"""Migrations (Flask-Migrate / Alembic): an empty SQLite and an empty PostgreSQL database upgraded
to head match the models exactly (no autogenerate difference); ``init-db`` is idempotent and
adopts a database made by ``create_all`` before migrations existed."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from authserver import create_app
from authserver.extensions import db
from authserver.store.schema import schema_differences, upgrade_database

from .servers import TEST_ENCRYPTION_KEY


def app_on(database_url: str, instance) -> Flask:
    return create_app(
        {
            "AUTHSERVER_DATABASE_URL": database_url,
            "AUTHSERVER_SECRET_KEY": "migration-test",
            "AUTHSERVER_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "AUTHSERVER_ACCESS_LOG": False,
        }
    )


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, dropped afterwards."""
    url = os.environ.get("AUTHSERVER_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        pytest.skip("PostgreSQL: set AUTHSERVER_TEST_DATABASE_URL (CI does)")
    server = make_url(url)
    name = f"authserver_migrate_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _parent_index_where(connection) -> str | None:
    """The predicate of ``ix_tokens_parent`` (Alembic's comparison does not look at it)."""
    (index,) = [
        i for i in inspect(connection).get_indexes("tokens") if i["name"] == "ix_tokens_parent"
    ]
    where = index["dialect_options"].get(f"{connection.dialect.name}_where")
    return None if where is None else str(where)


def _head_matches_models(database_url: str, instance) -> None:
    app = app_on(database_url, instance)
    try:
        with app.app_context():
            with db.engine.connect() as connection:
                assert inspect(connection).get_table_names() == []  # really empty
            assert upgrade_database() == "upgraded"
            assert schema_differences() == []
            with db.engine.connect() as connection:
                revision = MigrationContext.configure(connection).get_current_revision()
                assert revision is not None
                assert "parent_id IS NOT NULL" in _parent_index_where(connection)
            assert upgrade_database() == "current"  # at head: Alembic not even started
            runner = app.test_cli_runner()
            result = runner.invoke(args=["init-db"])
            assert result.exit_code == 0, result.output
            assert schema_differences() == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_empty_sqlite_upgraded_to_head_matches_models(sqlite_url, tmp_path):
    _head_matches_models(sqlite_url, tmp_path)


def test_empty_postgresql_upgraded_to_head_matches_models(postgres_url, tmp_path):
    _head_matches_models(postgres_url, tmp_path)


def test_downgrade_to_base_and_up_again(sqlite_url, tmp_path):
    import flask_migrate

    app = app_on(sqlite_url, tmp_path)
    with app.app_context():
        upgrade_database()
        flask_migrate.downgrade(revision="278648f17742")  # before the partial index
        with db.engine.connect() as connection:
            assert _parent_index_where(connection) is None  # the full index again
        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["alembic_version"]
        upgrade_database()
        assert schema_differences() == []
        db.engine.dispose()


def test_init_db_adopts_a_create_all_database_and_refuses_a_different_one(sqlite_url, tmp_path):
    app = app_on(sqlite_url, tmp_path)
    with app.app_context():
        db.create_all()  # as every database made before migrations existed
        assert upgrade_database() == "adopted"
        assert upgrade_database() == "current"
        assert schema_differences() == []
        db.engine.dispose()

    other = app_on(f"sqlite:///{tmp_path / 'other.sqlite'}", tmp_path)
    with other.app_context():
        db.create_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_tokens_family"))
        result = other.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code != 0
        assert "differ from the models" in result.output
        db.engine.dispose()


def _insert_records(records: list[tuple[int, str, str]]) -> None:
    """Mall 1 and its ``admin_records`` (number, resource, data as JSON text), as an earlier
    revision stored them."""
    with db.engine.begin() as connection:
        mall = "INSERT INTO malls (id, mall_id, created_at) VALUES (1, 'm', '2024-01-31')"
        connection.execute(text(mall))
        for number, resource, data in records:
            connection.execute(
                text(
                    "INSERT INTO admin_records (mall_pk, resource, record_no, data,"
                    " created_date, updated_date) VALUES (1, :r, :n, :d, :t, :t)"
                ),
                {"r": resource, "n": number, "d": data, "t": "2024-01-31 00:00:00"},
            )


def test_admin_records_of_the_earlier_format_are_upgraded_to_cafe24s(sqlite_url, tmp_path):
    """7d2c4e9a1b30: booleans become "T"/"F", the old amounts decimal strings, and member ids
    the indexed lookup, so filters match rows written before the change."""
    import flask_migrate

    app = app_on(sqlite_url, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="3c1e9a7d5b20")
        _insert_records(
            [
                (1, "products", '{"product_name": "p", "price": 39000, "display": true}'),
                (1, "orders", '{"member_id": "jisoo", "items": []}'),
            ]
        )
        upgrade_database()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT resource, data FROM admin_records")).all())
            lookups = dict(
                connection.execute(text("SELECT resource, lookup FROM admin_records")).all()
            )
        assert '"price": "39000.00"' in rows["products"] and '"display": "T"' in rows["products"]
        assert lookups == {"products": None, "orders": "jisoo"}
        db.engine.dispose()


def test_coupons_benefit_amount_becomes_cafe24s_benefit_price(sqlite_url, tmp_path):
    """a4c1f0e27b65: a stored coupon keeps its amount under Cafe24's name; others unchanged."""
    import flask_migrate

    app = app_on(sqlite_url, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="7d2c4e9a1b30")
        _insert_records(
            [
                (1, "coupons", '{"coupon_name": "c", "benefit_amount": "10.00"}'),
                (
                    2,
                    "coupons",
                    '{"coupon_name": "d", "benefit_amount": "1.00", "benefit_price": "2.00"}',
                ),
                (1, "products", '{"product_name": "p", "benefit_amount": "5.00"}'),
            ]
        )
        upgrade_database()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT resource, record_no, data FROM admin_records"
                    " ORDER BY resource, record_no"
                )
            ).all()
        data = {(resource, number): json.loads(text_) for resource, number, text_ in rows}
        assert data[("coupons", 1)] == {"coupon_name": "c", "benefit_price": "10.00"}
        assert data[("coupons", 2)] == {"coupon_name": "d", "benefit_price": "2.00"}
        assert data[("products", 1)] == {"product_name": "p", "benefit_amount": "5.00"}
        flask_migrate.downgrade(revision="7d2c4e9a1b30")
        with db.engine.connect() as connection:
            (back,) = connection.execute(
                text("SELECT data FROM admin_records WHERE resource = 'coupons' AND record_no = 1")
            ).one()
        assert json.loads(back) == {"coupon_name": "c", "benefit_amount": "10.00"}
        db.engine.dispose()
