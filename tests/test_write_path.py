"""The code exchange's write transaction on the DBAPI connection (authserver/write_path.py):
rows as SQLAlchemy writes them, one transaction that a failure rolls back whole, the engine's
listeners and error wrapping as through the session, and the exchange's rare paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from authserver import audit, write_path
from authserver.extensions import db
from authserver.models import App, AuditEvent, AuthorizationCode, Mall, Token
from authserver.models.base import utcnow
from authserver.oauth import tokens
from authserver.oauth.tokens import Grantor, generate_token_response

from .helpers import Browser, exchange


@pytest.fixture
def browser(live_server, world) -> Browser:
    browser = Browser(live_server, world.mall_id)
    browser.login()
    return browser


def _raw_rows(table: str) -> list[dict]:
    """The rows as the database holds them: no result processors (SQLite's DATETIME text,
    JSON text), so a value bound differently shows."""
    rows = db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()
    return [dict(row) for row in rows]


def _token_row(world, token=None) -> dict:
    """The parameters of a token row (of ``token``, or a new one) of the world's web app."""
    mall = db.session.scalar(select(Mall).where(Mall.mall_id == world.mall_id))
    client = db.session.scalar(select(App).where(App.client_id == world.web.client_id))
    grantor = Grantor(mall, "owner")
    token = token or generate_token_response("authorization_code", client, grantor, "a b")
    row = tokens.token_row(token, client=client, grantor=grantor, grant_scope="a b")
    db.session.rollback()  # the reads' transaction ended: the writes get a transaction of their own
    return row


def _same_but_secrets(row: dict) -> dict:
    """``row`` with other digests (they are unique) and the same everything else."""
    return {**row, "access_token_hash": "0" * 64, "refresh_token_hash": "1" * 64}


@pytest.mark.parametrize("detail", [{}, {"grant_type": "authorization_code", "n": 2}])
def test_rows_are_written_as_sqlalchemy_writes_them(app, world, detail):
    """Bind processing (DATETIME text on SQLite, JSON, a JSON ``null`` for no detail) and the
    INSERT's Python-side default (``created_at``) as through ``db.session``."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        row = _token_row(world)
        db.session.execute(tokens.INSERT, row)
        audit.record("token_issued", mall_id=world.mall_id, client_id="c", **detail)
        db.session.commit()
        with write_path.transaction() as writes:
            assert isinstance(writes, write_path.RawWrites)
            writes.execute(tokens.INSERT, _same_but_secrets(row))
            event_row = audit.event_row(
                "token_issued", mall_id=world.mall_id, client_id="c", **detail
            )
            writes.execute(audit.INSERT, event_row)
            writes.commit()
        by_session, by_cursor = _raw_rows("tokens")
        for row in (by_session, by_cursor):
            del row["id"], row["access_token_hash"], row["refresh_token_hash"]
        assert by_cursor == by_session
        first, second = _raw_rows("audit_events")
        assert type(first["created_at"]) is type(second["created_at"])
        assert len(str(first["created_at"])) == len(str(second["created_at"]))
        for row in (first, second):
            del row["id"], row["created_at"]
        assert second == first
        assert second["ip"] == "192.0.2.7"
        # Read back through the ORM, the default is the time of the INSERT.
        newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[-1]
        assert utcnow() - newest.created_at < timedelta(seconds=5)


def test_statements_compile_once_without_an_implicit_returning(app, world):
    with app.test_request_context():
        row = _token_row(world)
        with write_path.transaction() as writes:
            writes.execute(tokens.INSERT, row)
            prepared = writes._prepared(tokens.INSERT, row)
            assert writes._prepared(tokens.INSERT, row) is prepared
        assert "RETURNING" not in prepared.sql.upper()
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0  # rolled back


@pytest.fixture
def failing(app):
    """Make the statements that ``matches`` fail with the driver's own error, so the write
    path's wrapping, rollback and discarding are what is tested (before the cursor runs)."""
    engine_errors = []

    def install(matches, error=None):
        with app.app_context():
            engine = db.engine
        dbapi_error = error or engine.dialect.loaded_dbapi.OperationalError("server went away")

        def fail(conn, cursor, statement, parameters, context, executemany):
            if matches(statement):
                raise dbapi_error

        event.listen(engine, "before_cursor_execute", fail)
        engine_errors.append((engine, fail))

    yield install
    for engine, fail in engine_errors:
        event.remove(engine, "before_cursor_execute", fail)


def test_a_failed_audit_insert_leaves_no_token_and_the_code_unused(
    app, live_server, world, browser, failing
):
    """The last statement of the exchange fails: a 503, nothing of the transaction stays (the
    consume and the token row are rolled back), and the code still works."""
    code = browser.authorize(world.web)["code"]
    failing(lambda sql: sql.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"))
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0
        assert db.session.scalar(select(AuthorizationCode.used_at)) is None
        issued = select(db.func.count()).where(AuditEvent.event == "token_issued")
        assert db.session.scalar(issued) == 0


def test_a_driver_error_is_wrapped_rolled_back_and_the_connection_discarded(app, world, failing):
    failing(lambda sql: sql.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"))
    with app.test_request_context():
        pool, row = db.engine.pool, _token_row(world)
        checked_out = pool.checkedout()  # the session's
        # SQLAlchemy's error, as errors.py expects
        with pytest.raises(OperationalError) as raised, write_path.transaction() as writes:
            writes.execute(tokens.INSERT, row)
            dbapi = writes._dbapi
            writes.execute(audit.INSERT, audit.event_row("token_issued"))
        assert isinstance(raised.value.orig, db.engine.dialect.loaded_dbapi.Error)
        assert "INSERT INTO audit_events" in raised.value.statement
        assert pool.checkedout() == checked_out
        with pytest.raises(db.engine.dialect.loaded_dbapi.Error):  # closed, not pooled again
            dbapi.cursor().execute("SELECT 1")
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0
        # The writer lock (SQLite) went with the transaction: the next writer is not kept out.
        db.session.execute(tokens.INSERT, _token_row(world))
        db.session.commit()


def test_any_other_error_rolls_back_and_gives_the_connection_back(app, world, failing):
    """An error that is not the driver's (a listener's, say) passes as it is."""
    failing(lambda sql: sql.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"), KeyError("x"))
    with app.test_request_context():
        row = _token_row(world)
        checked_out = db.engine.pool.checkedout()  # the session's
        with pytest.raises(KeyError), write_path.transaction() as writes:
            writes.execute(tokens.INSERT, row)
            writes.execute(audit.INSERT, audit.event_row("token_issued"))
        assert db.engine.pool.checkedout() == checked_out
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0


def test_leaving_without_commit_rolls_back(app, world):
    with app.test_request_context():
        row = _token_row(world)
        checked_out = db.engine.pool.checkedout()  # the session's
        with write_path.transaction() as writes:
            writes.execute(tokens.INSERT, row)
        assert db.engine.pool.checkedout() == checked_out
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0


def test_a_replay_revokes_through_the_session_after_the_rollback(app, live_server, world, browser):
    code = browser.authorize(world.web)["code"]
    first = exchange(live_server, world.mall_id, world.web, code)
    assert first.status_code == 200
    again = exchange(live_server, world.mall_id, world.web, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    with app.app_context():
        row = Token.by_access_token(first.json()["access_token"])
        assert row is not None and not row.is_access_active()
        events = db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id)).all()
        assert events.count("token_issued") == 1 and events.count("code_replay") == 1


def test_other_drivers_write_through_the_session(app, live_server, world, browser, monkeypatch):
    """A driver the write path does not reproduce: the same transaction on ``db.session``."""
    with app.app_context():
        engine = db.engine
        write_path.transaction()  # the app's state exists, for delitem to put it back after
    monkeypatch.delitem(app.extensions, write_path.EXTENSION)
    monkeypatch.setattr(engine.dialect, "driver", "other")
    with app.app_context():
        assert isinstance(write_path.transaction(), write_path.SessionWrites)
    code = browser.authorize(world.web)["code"]
    response = exchange(live_server, world.mall_id, world.web, code)
    assert response.status_code == 200, response.text
    again = exchange(live_server, world.mall_id, world.web, code)
    assert again.json()["error"] == "invalid_grant"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 1
        assert db.session.scalar(select(AuthorizationCode.used_at)) is not None


def test_nothing_is_left_checked_out_after_exchanges(app, live_server, world, browser, monkeypatch):
    """An opaque token's exchange takes the DBAPI path (the session is never touched) and
    gives its connection back."""

    def refuse(self):
        raise AssertionError("the exchange wrote through the session")

    monkeypatch.setattr(write_path.SessionWrites, "__enter__", refuse)
    for _ in range(3):
        code = browser.authorize(world.web)["code"]
        assert exchange(live_server, world.mall_id, world.web, code).status_code == 200
    with app.app_context():
        assert db.engine.pool.checkedout() == 0


def test_an_exception_between_the_writes_leaves_the_code_unused(
    app, live_server, world, browser, monkeypatch
):
    """SECURITY.md F3: a crash after the consume and before the commit rolls the consume
    back; the code then still works."""
    from authserver.oauth import grants

    code = browser.authorize(world.web)["code"]

    def crash(*args, **kwargs):
        raise RuntimeError("crash between the writes")

    with monkeypatch.context() as patch:
        patch.setattr(grants, "token_row", crash)
        assert exchange(live_server, world.mall_id, world.web, code).status_code == 500
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
        assert db.session.scalar(select(AuthorizationCode.used_at)) is None
    assert exchange(live_server, world.mall_id, world.web, code).status_code == 200


def test_a_session_with_a_transaction_going_keeps_the_writes(app, world):
    """What the request's session holds (the first JWT's signing key, say) must commit with
    the exchange's writes: they join it."""
    with app.test_request_context():
        assert isinstance(write_path.transaction(), write_path.RawWrites)
        db.session.scalar(select(Mall.id))
        assert isinstance(write_path.transaction(), write_path.SessionWrites)
        db.session.rollback()
