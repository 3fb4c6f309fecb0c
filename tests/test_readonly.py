"""readonly.py's hot reads on the DBAPI cursor (prepared.py) against SQLAlchemy's own execution
of the same statements: the same SQL and parameters sent, the same rows (keys, values and their
types: datetimes, NULLs, integers, JSON), and database errors raised as the same SQLAlchemy
exceptions, answered with a 503; a lost connection is replaced."""

from __future__ import annotations

import base64
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError

from authserver import readonly
from authserver.admin_api import records
from authserver.admin_api.records import AdminRecord
from authserver.extensions import db
from authserver.models import App, Mall
from authserver.models.base import utcnow
from authserver.oauth import gateways, prefetch, token_lookup
from authserver.prepared import Memo
from authserver.tenancy import _BY_MALL_ID

from .helpers import refresh
from .oauth_helpers import introspect, obtain_tokens


@contextmanager
def sent(app):
    """The (SQL, parameters) of every statement run on the read engine, and its connections."""
    seen: list[tuple[str, object, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, conn.connection.dbapi_connection))

    engine = readonly.engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def through_sqlalchemy(app, statement, parameters, fetch):
    with readonly.engine(app).connect() as connection:
        result = connection.execute(statement, parameters)
        return list(result) if fetch == "rows" else getattr(result, fetch)()


def through_readonly(app, statement, parameters, fetch):
    with app.app_context():
        return getattr(readonly, fetch)(statement, parameters)


@pytest.fixture
def cases(app, live_server, world, gateway):
    """Every hot read, with parameters that find rows (and ones that find none or NULLs)."""
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    rotated = refresh(live_server, world.mall_id, world.web, tokens["refresh_token"])
    assert rotated.status_code == 200
    with app.app_context():
        mall_pk = db.session.scalar(db.select(Mall.id).where(Mall.mall_id == world.mall_id))
        app_pk = db.session.scalar(db.select(App.id).where(App.client_id == world.web.client_id))
        now = utcnow()
        for number, (resource, data) in enumerate(
            [
                ("products", {"product_name": "Shirt", "price": 12, "display": None}),
                ("products", {"product_name": "Scarf", "price": 7.5, "tags": ["a", "b"]}),
                ("orders", {"items": [{"product_no": 1, "quantity": 3}]}),
                ("apps", {"note": "per app"}),
            ],
            start=1,
        ):
            db.session.add(
                AdminRecord(
                    mall_pk=mall_pk,
                    resource=resource,
                    record_no=number,
                    app_pk=app_pk if resource == "apps" else None,
                    data=data,
                    created_date=now - timedelta(days=number, microseconds=number),
                    updated_date=now,
                )
            )
        db.session.commit()
    access = token_lookup.token_digest("access_token", tokens["access_token"])
    old_refresh = token_lookup.token_digest("refresh_token", tokens["refresh_token"])
    mall = {"mall_pk": mall_pk, "resource": "products", "app_pk": None}
    per_app = {"mall_pk": mall_pk, "resource": "apps", "app_pk": app_pk}
    statements = records._STATEMENTS
    return [
        (_BY_MALL_ID, {"mall_id": world.mall_id}, "first"),
        (_BY_MALL_ID, {"mall_id": "nosuchmall"}, "first"),
        (gateways._BY_CLIENT_ID, {"client_id": gateway[0]}, "first"),
        (token_lookup._LOOKUPS["access_token"], {"digest": access}, "first"),
        (token_lookup._LOOKUPS["refresh_token"], {"digest": old_refresh}, "first"),  # rotated
        (token_lookup._LOOKUPS["refresh_token"], {"digest": "0" * 64}, "first"),
        (
            prefetch._PREFETCH,
            {"mall_id": world.mall_id, "gateway_id": gateway[0], "digest": access},
            "first",
        ),
        (prefetch._PREFETCH, {"mall_id": world.mall_id, "gateway_id": "", "digest": None}, "first"),
        (statements[False]["list"], {**mall, "limit": 10, "offset": 0}, "rows"),
        (statements[False]["list"], {**mall, "limit": 10, "offset": 5}, "rows"),
        (statements[False]["count"], mall, "scalar"),
        (statements[False]["one"], {**mall, "number": 2}, "first"),
        (statements[True]["list"], {**per_app, "limit": 5, "offset": 0}, "rows"),
        (statements[True]["count"], per_app, "scalar"),
        (records._ORDERS_DATA, {"mall_pk": mall_pk}, "rows"),
        (token_lookup.ADMIN_API_LOOKUP, {"digest": access}, "first"),
        (token_lookup.ADMIN_API_LOOKUP, {"digest": "0" * 64}, "first"),
    ]


def test_the_narrower_lookups_read_the_token_lookups_values(app, cases, world, gateway):
    """Introspection's statement (the lookup outer-joined to the mall and the gateway) and the
    Admin API's (fewer token columns) find what ``token_lookup.fetch`` finds (token_lookup.py
    builds all three from one set of joins)."""
    digest = next(
        parameters["digest"]
        for statement, parameters, _ in cases
        if statement is token_lookup._LOOKUPS["access_token"]
    )
    with app.app_context():
        full = token_lookup.fetch("access_token", digest)._asdict()
        admin = token_lookup.fetch_for_admin_api(digest)._asdict()
        parameters = {"mall_id": world.mall_id, "gateway_id": gateway[0], "digest": digest}
        prefetched = readonly.first(prefetch._PREFETCH, parameters)._asdict()
        missing = {**parameters, "digest": "0" * 64}
        unknown = readonly.first(prefetch._PREFETCH, missing)._asdict()
    assert admin == {key: full[key] for key in admin}
    assert set(admin) == {*token_lookup.ADMIN_API_COLUMNS, *(k for k in full if "lookup_" in k)}
    assert {key: prefetched[key] for key in token_lookup.INTROSPECTION_COLUMNS} == {
        key: full[key] for key in token_lookup.INTROSPECTION_COLUMNS
    }
    assert prefetched["url_mall_id"] == world.mall_id and prefetched["gateway_pk"] is not None
    assert unknown["url_mall_id"] == world.mall_id  # the mall's row, with no token
    assert all(unknown[key] is None for key in token_lookup.INTROSPECTION_COLUMNS)


def test_the_fast_path_answers_what_sqlalchemy_answers(app, cases):
    types_seen: set[type] = set()
    for statement, parameters, fetch in cases:
        through_readonly(app, statement, parameters, fetch)  # the first run prepares it
        with sent(app) as by_sqlalchemy:
            expected = through_sqlalchemy(app, statement, parameters, fetch)
        with sent(app) as by_readonly:
            got = through_readonly(app, statement, parameters, fetch)
        # The same SQL with the same parameters, as the driver receives them.
        assert [s[:2] for s in by_readonly] == [s[:2] for s in by_sqlalchemy]
        if fetch == "scalar":
            assert got == expected and type(got) is type(expected)
            types_seen.add(type(got))
            continue
        expected_rows = expected if fetch == "rows" else [expected]
        got_rows = got if fetch == "rows" else [got]
        assert len(got_rows) == len(expected_rows)
        for row, reference in zip(got_rows, expected_rows, strict=True):
            if reference is None:
                assert row is None
                continue
            assert type(row).__module__ == "authserver.prepared"  # not SQLAlchemy's Row
            assert row._fields == reference._fields
            assert row._asdict() == reference._asdict()
            assert tuple(row) == tuple(reference)
            assert [type(value) for value in row] == [type(value) for value in reference]
            assert row[0] == reference[0] and getattr(row, row._fields[-1]) == reference[-1]
            types_seen.update(type(value) for value in row)
    assert {datetime, type(None), int, str, dict} <= types_seen


def test_converted_rows_are_remembered_by_their_values(app, cases):
    """``readonly.converted``: each row as the conversion of SQLAlchemy's row; a row read again
    (on both drivers: the JSON column comes as text) is not converted again, a changed one is."""
    statement, parameters, _ = cases[8]  # the products of the mall
    assert statement is records._STATEMENTS[False]["list"]
    converted: list[int] = []

    def convert(row):
        converted.append(row.record_no)
        return (row._asdict(), [type(value) for value in row])

    memo = Memo(convert)
    expected = [convert(row) for row in through_sqlalchemy(app, statement, parameters, "rows")]
    assert len(expected) == 2 and expected[0][0]["data"]["product_name"] == "Shirt"
    through_readonly(app, statement, parameters, "rows")  # prepared
    with app.app_context():
        converted.clear()
        assert readonly.converted(statement, parameters, memo) == expected
        assert readonly.converted(statement, parameters, memo) == expected
        assert converted == [1, 2]  # the second read found both rows in the memo
        record = db.session.scalar(
            db.select(AdminRecord).where(
                AdminRecord.mall_pk == parameters["mall_pk"], AdminRecord.record_no == 2
            )
        )
        record.data = {**record.data, "price": 8}
        db.session.commit()
        again = readonly.converted(statement, parameters, memo)
    assert converted == [1, 2, 2] and again[0] == expected[0]
    assert again[1][0]["data"]["price"] == 8


def test_a_memo_keeps_what_it_may_and_converts_the_rest():
    converted: list[tuple] = []

    def convert(row: tuple) -> str:
        converted.append(row)
        return f"<{row[0]}>"

    memo = Memo(convert, size=2, max_length=3)
    assert memo.each([(1,), (2,), (1,)], tuple) == ["<1>", "<2>", "<1>"]
    assert converted == [(1,), (2,)]
    assert memo.each([(3,), (1,)], tuple) == ["<3>", "<1>"]  # full: started over, 1 forgotten
    assert converted[2:] == [(3,), (1,)]
    assert memo.each([(10,), (10,)], tuple) == ["<10>", "<10>"]  # too long to keep
    assert memo.each([([4],), ([4],)], tuple) == ["<[4]>", "<[4]>"]  # unhashable
    assert converted[4:] == [(10,), (10,), ([4],), ([4],)]


def test_rows_work_where_the_callers_use_them(app, live_server, world, gateway):
    """Introspection and the Admin API read the fast path's rows (no statement is new here:
    the suite ran them before, or the warm-up call did)."""
    tokens = obtain_tokens(live_server, world.mall_id, world.web)
    for _ in range(2):
        body = introspect(live_server, world.mall_id, tokens["access_token"], auth=gateway).json()
        assert body["active"] is True and body["exp"] - body["iat"] == 7200
    with app.app_context():
        row = readonly.first(_BY_MALL_ID, {"mall_id": world.mall_id})
    assert type(row).__module__ == "authserver.prepared"
    assert row.mall_id == world.mall_id and row._asdict()["id"] == row[0]


def test_a_missing_parameter_is_sqlalchemys_statement_error(app, world):
    with app.app_context():
        readonly.first(_BY_MALL_ID, {"mall_id": world.mall_id})  # prepared
        with pytest.raises(StatementError) as fast:
            readonly.first(_BY_MALL_ID, {})
    with pytest.raises(StatementError) as slow:
        through_sqlalchemy(app, _BY_MALL_ID, {}, "first")
    assert type(fast.value) is type(slow.value)
    assert type(fast.value.orig) is type(slow.value.orig)
    assert str(fast.value.orig) == str(slow.value.orig)
    with app.app_context():  # and the read engine still answers
        assert readonly.first(_BY_MALL_ID, {"mall_id": world.mall_id}).mall_id == world.mall_id


@contextmanager
def driver_errors(app):
    """Every statement on the read engine fails with the driver's own OperationalError, raised
    where the driver's execute would raise it (a listener runs inside both paths' handling)."""
    engine = readonly.engine(app)

    def fail(conn, cursor, statement, parameters, context, executemany):
        raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def test_a_driver_error_is_wrapped_as_sqlalchemy_wraps_it(app, world):
    parameters = {"mall_id": world.mall_id}
    with app.app_context():
        readonly.first(_BY_MALL_ID, parameters)  # prepared
    with sent(app) as before:
        through_readonly(app, _BY_MALL_ID, parameters, "first")
    with driver_errors(app):
        with pytest.raises(DBAPIError) as fast:
            through_readonly(app, _BY_MALL_ID, parameters, "first")
        with pytest.raises(DBAPIError) as slow:
            through_sqlalchemy(app, _BY_MALL_ID, parameters, "first")
    assert type(fast.value) is type(slow.value) is OperationalError
    assert type(fast.value.orig) is type(slow.value.orig)
    assert fast.value.__cause__ is fast.value.orig
    assert (fast.value.statement, fast.value.params) == (slow.value.statement, slow.value.params)
    assert fast.value.connection_invalidated is slow.value.connection_invalidated is False
    with sent(app) as after:  # the failed connection was discarded
        assert through_readonly(app, _BY_MALL_ID, parameters, "first") is not None
    assert after[0][2] is not before[0][2]


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_a_driver_error_on_the_fast_path_is_a_503(app, live_server, world, gateway):
    token = obtain_tokens(live_server, world.mall_id, world.web)["access_token"]
    client = app.test_client()
    base = f"/malls/{world.mall_id}/api/v2"

    def calls():
        return (
            client.get(f"{base}/admin/store", headers={"Authorization": f"Bearer {token}"}),
            client.post(
                f"{base}/oauth/introspect", data={"token": token}, headers=_basic(*gateway)
            ),
        )

    for _ in range(2):  # prepared
        assert [answer.status_code for answer in calls()] == [200, 200]
    with driver_errors(app):
        api, introspected = calls()
    assert api.status_code == 503 and api.json["error"]["code"] == 503
    assert introspected.status_code == 503
    assert introspected.json["error"] == "temporarily_unavailable"
    assert "active" not in introspected.json
    assert [answer.status_code for answer in calls()] == [200, 200]


def test_a_lost_connection_is_replaced(app, world):
    """The database closed the held connection (PostgreSQL: the backend terminated, as in a
    restart; SQLite: the connection closed under it): one SQLAlchemy error saying the connection
    was invalidated, then a new connection answers."""
    parameters = {"mall_id": world.mall_id}
    with app.app_context():
        readonly.first(_BY_MALL_ID, parameters)  # prepared
    with sent(app) as before:
        through_readonly(app, _BY_MALL_ID, parameters, "first")
    held = before[0][2]
    if readonly.engine(app).dialect.name == "postgresql":
        with app.app_context(), db.engine.connect() as connection:
            terminate = text("SELECT pg_terminate_backend(:pid)")
            connection.execute(terminate, {"pid": held.info.backend_pid})
    else:
        held.close()
    with pytest.raises(DBAPIError) as lost:
        through_readonly(app, _BY_MALL_ID, parameters, "first")
    assert lost.value.connection_invalidated is True
    with sent(app) as after:
        assert through_readonly(app, _BY_MALL_ID, parameters, "first").mall_id == world.mall_id
    assert after[0][2] is not held
