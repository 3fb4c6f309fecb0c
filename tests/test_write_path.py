"""The code exchange's write transaction on the DBAPI connection (authserver/write_path.py):
rows as SQLAlchemy writes them, one transaction that a failure rolls back whole, the engine's
listeners and error wrapping as through the session, and the exchange's rare paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import OperationalError

from authserver import audit, write_path
from authserver.extensions import db
from authserver.models import App, AuditEvent, AuthorizationCode, Installation, Mall, Token
from authserver.models.base import utcnow
from authserver.oauth import code_store, tokens
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
    # On PostgreSQL this is the consume's one statement (oauth/code_store.py's REDEEM).
    failing(lambda sql: "INSERT INTO AUDIT_EVENTS" in sql.upper())
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
    back; the code then still works. (On PostgreSQL the writes are usually one statement,
    with nothing between them: here they go one by one, as on SQLite.)"""
    code = browser.authorize(world.web)["code"]

    def crash(*args, **kwargs):
        raise RuntimeError("crash between the writes")

    with monkeypatch.context() as patch:
        patch.setattr(write_path.RawWrites, "first_alone", lambda *args: (False, None))
        patch.setattr(write_path.RawWrites, "execute", crash)
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


# -- PostgreSQL: the exchange's writes as one statement (oauth/code_store.py's REDEEM) ----------


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("data-modifying WITH and autocommit: PostgreSQL only")


def test_the_one_statement_fills_every_column_the_rows_have(app, world):
    """``REDEEM`` names its columns: a key the row functions gain must be added there."""
    with app.test_request_context():
        assert set(_token_row(world)) == {*code_store._TOKEN_KEYS, "code_pk"}
        assert set(_issued(world)) == set(code_store._EVENT_KEYS)


def _codes(app, browser, world, count: int) -> list:
    """``count`` fresh codes of the world's web app, as the exchange looks them up."""
    codes = [browser.authorize(world.web)["code"] for _ in range(count)]
    with app.app_context():
        return [code_store.find_code(code) for code in codes]


def _issued(world) -> dict:
    return audit.event_row(
        "token_issued", mall_id=world.mall_id, client_id="c", user_id="owner", n=1
    )


def test_one_statement_writes_the_rows_the_steps_write(app, world, browser, postgresql):
    alone, steps = _codes(app, browser, world, 2)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        row = _token_row(world)
        with write_path.transaction() as writes:
            consumed = code_store.consume(alone, writes, row, _issued(world))
            assert consumed == code_store.Consumed(True, alone.installed_scope, written=True)
            writes.commit()
        with write_path.transaction() as writes:
            consumed = code_store.consume(steps, writes)
            assert consumed.won and not consumed.written
            writes.execute(tokens.INSERT, {**_same_but_secrets(row), "code_pk": steps.id})
            writes.execute(audit.INSERT, _issued(world))
            writes.commit()
        by_one, by_steps = _raw_rows("tokens")
        assert (by_one["code_pk"], by_steps["code_pk"]) == (alone.id, steps.id)
        for written in (by_one, by_steps):
            del written["id"], written["access_token_hash"], written["refresh_token_hash"]
            del written["code_pk"]
        assert by_one == by_steps
        first, second = [e for e in _raw_rows("audit_events") if e["event"] == "token_issued"]
        assert utcnow() - first["created_at"] < timedelta(seconds=5)
        for written in (first, second):
            del written["id"], written["created_at"]
        assert first == second and first["detail"] == {"user_id": "owner", "n": 1}
        used = select(AuthorizationCode.used_at).order_by(AuthorizationCode.id)
        assert None not in db.session.scalars(used).all()


def test_one_statement_writes_nothing_for_a_used_code_or_changed_scopes(
    app, world, browser, postgresql
):
    """Nothing written, the conditional UPDATE that follows tells why: a used code (lost),
    or the installation's scopes changed since the lookup (won, with the new scopes, for the
    caller to make the token again)."""
    used, narrowed = _codes(app, browser, world, 2)
    with app.test_request_context():
        with write_path.transaction() as writes:
            assert code_store.consume(used, writes, _token_row(world), _issued(world)).written
            writes.commit()
        with write_path.transaction() as writes:
            again = code_store.consume(used, writes, _token_row(world), _issued(world))
        assert again == code_store.Consumed(False, None)
        db.session.execute(update(Installation).values(scope="mall.read_product"))
        db.session.commit()
        with write_path.transaction() as writes:  # left without a commit: rolled back
            consumed = code_store.consume(narrowed, writes, _token_row(world), _issued(world))
        assert consumed == code_store.Consumed(True, "mall.read_product")
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 1
        issued = select(db.func.count()).where(AuditEvent.event == "token_issued")
        assert db.session.scalar(issued) == 1
        code = db.session.get(AuthorizationCode, narrowed.id)
        assert code.used_at is None


def test_a_statement_alone_commits_at_once_and_the_next_ones_make_a_transaction(app, world):
    with app.test_request_context():
        row = _token_row(world)
        with write_path.transaction() as writes:
            ran, returned = writes.first_alone(tokens.INSERT, row)
            if db.engine.dialect.name != "postgresql":
                assert (ran, returned) == (False, None)  # nothing ran: SQLite has no need
                return
            assert (ran, returned) == (True, None)
            assert writes._dbapi.autocommit is False
            assert writes.first_alone(tokens.INSERT, _same_but_secrets(row)) == (False, None)
            writes.execute(audit.INSERT, _issued(world))  # not committed: rolled back
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 1
        issued = select(db.func.count()).where(AuditEvent.event == "token_issued")
        assert db.session.scalar(issued) == 0


@pytest.mark.parametrize("driver_error", [True, False])
def test_a_failed_statement_alone_leaves_no_connection_in_autocommit(
    app, world, failing, postgresql, driver_error
):
    """A driver's error discards the connection; another error gives it back to the pool as
    the pool expects it, out of autocommit."""
    failing(lambda sql: "INSERT INTO TOKENS" in sql.upper(), None if driver_error else KeyError())
    with app.test_request_context():
        row, checked_out = _token_row(world), db.engine.pool.checkedout()
        expected = OperationalError if driver_error else KeyError
        with pytest.raises(expected), write_path.transaction() as writes:
            dbapi = writes._dbapi
            writes.first_alone(tokens.INSERT, row)
        assert db.engine.pool.checkedout() == checked_out
        assert dbapi.closed if driver_error else dbapi.autocommit is False
        assert db.session.scalar(select(db.func.count()).select_from(Token)) == 0
