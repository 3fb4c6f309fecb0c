"""SQLite writers queue on a file lock (authserver/store/sqlite_writers.py): concurrent writers from
several processes all succeed with nothing lost, a second writer waits for the first one's
commit, readers never wait, a connection keeps its lock file (a forked child opens its own),
and the app's connections still get WAL mode and foreign keys."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import time

import pytest
from sqlalchemy import text

from authserver import WAL_CHECKPOINT_PAGES, WAL_SIZE_LIMIT, create_app
from authserver.extensions import db
from authserver.store.sqlite_writers import SerialisedWriters, lock_path

WRITERS = 4
ROWS_EACH = 200


def _connect(path, timeout: float = 30.0) -> SerialisedWriters:
    connection = sqlite3.connect(path, timeout=timeout, factory=SerialisedWriters)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "writers.sqlite")
    connection = _connect(path)
    with connection:
        connection.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
        connection.execute("INSERT INTO counter VALUES (1, 0)")
        connection.execute("CREATE TABLE log (writer INTEGER, n INTEGER)")
    # Closed: SQLite's state must not cross a fork (the tests fork writers), or a child
    # believes it holds its parent's locks and can delete a log that others still write.
    connection.close()
    return path


def _write_many(path: str, writer: int) -> None:
    # A short busy timeout: without the file lock, writers would fail with "database is
    # locked" under this contention instead of queueing.
    connection = _connect(path, timeout=0.001)
    for n in range(ROWS_EACH):
        connection.execute("UPDATE counter SET value = value + 1 WHERE id = 1")
        connection.execute("INSERT INTO log VALUES (?, ?)", (writer, n))
        connection.commit()
    connection.close()


def test_concurrent_writers_in_several_processes_all_succeed(database):
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_write_many, args=(database, writer)) for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * WRITERS
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT value FROM counter").fetchone() == (WRITERS * ROWS_EACH,)
        assert connection.execute("SELECT count(*) FROM log").fetchone() == (WRITERS * ROWS_EACH,)


def _write_when_told(path: str, go, done) -> None:
    connection = _connect(path)
    go.wait(10)
    connection.execute("UPDATE counter SET value = value + 10 WHERE id = 1")
    connection.commit()
    done.value = time.monotonic()
    connection.close()


def test_a_second_writer_waits_for_the_first_commit_and_readers_do_not(database):
    # Forked before the first transaction opens: SQLite's state must not cross a fork mid-write.
    context = multiprocessing.get_context("fork")
    go, done = context.Event(), context.Value("d", 0.0)
    second = context.Process(target=_write_when_told, args=(database, go, done))
    second.start()
    first = _connect(database)
    first.execute("UPDATE counter SET value = value + 1 WHERE id = 1")  # holds the lock now
    go.set()
    reader = sqlite3.connect(database, timeout=0.001)
    assert reader.execute("SELECT value FROM counter").fetchone() == (0,)  # WAL: no waiting
    time.sleep(0.5)
    assert done.value == 0.0  # still queued behind the open transaction
    committed = time.monotonic()
    first.commit()
    second.join(timeout=10)
    assert second.exitcode == 0 and done.value >= committed
    assert reader.execute("SELECT value FROM counter").fetchone() == (11,)


def test_rollback_and_close_release_the_lock(database):
    first = _connect(database)
    first.execute("UPDATE counter SET value = 5 WHERE id = 1")
    first.rollback()
    second = _connect(database, timeout=0.001)
    second.execute("UPDATE counter SET value = 6 WHERE id = 1")
    second.close()  # closing with the transaction open releases the lock too
    third = _connect(database, timeout=0.001)
    third.execute("UPDATE counter SET value = 7 WHERE id = 1")
    third.commit()
    assert third.execute("SELECT value FROM counter").fetchone() == (7,)


def test_a_thread_never_waits_for_its_own_lock(database):
    """Two connections of one thread: the second does not queue behind the first (that would
    never end); it gets SQLite's own busy timeout, as without the file lock."""
    first = _connect(database)
    first.execute("UPDATE counter SET value = 1 WHERE id = 1")
    second = _connect(database, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("UPDATE counter SET value = 2 WHERE id = 1")
    first.commit()
    second.execute("UPDATE counter SET value = 2 WHERE id = 1")
    second.commit()


def _lock_is_free(database: str) -> bool:
    fd = os.open(lock_path(database), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _lock_in_child(connection: SerialisedWriters, shared, result) -> None:
    # The inherited file shares the parent's lock: a LOCK_NB on it would succeed at once.
    own = connection.lock_file()
    try:
        fcntl.flock(own, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result.value = 2  # got the lock the parent holds
    except BlockingIOError:
        result.value = 1 if own != shared else 3


def test_a_connection_keeps_its_lock_file_and_a_forked_child_opens_its_own(database):
    first = _connect(database)
    first.execute("UPDATE counter SET value = 1 WHERE id = 1")
    kept = first.lock_fd
    assert not _lock_is_free(database)
    first.commit()
    assert _lock_is_free(database) and first.lock_fd == kept  # unlocked, not closed
    first.execute("UPDATE counter SET value = 2 WHERE id = 1")
    assert first.lock_fd == kept and not _lock_is_free(database)

    context = multiprocessing.get_context("fork")
    result = context.Value("i", 0)
    child = context.Process(target=_lock_in_child, args=(first, kept, result))
    child.start()
    child.join(timeout=10)
    assert child.exitcode == 0 and result.value == 1  # its own file, which waits for ours
    assert not _lock_is_free(database)  # the child's exit released nothing of the parent's
    first.commit()
    assert _lock_is_free(database)
    first.close()
    with pytest.raises(OSError):
        os.fstat(kept)  # closing the connection closes its lock file


def test_lock_file_sits_beside_the_database_and_memory_databases_have_none(tmp_path):
    path = str(tmp_path / "x.sqlite")
    assert lock_path(path) == f"{path}-writer.lock"
    assert lock_path(":memory:") is None
    assert lock_path("") is None
    assert lock_path("file:x?mode=memory&cache=shared", uri=True) is None
    assert lock_path(f"file:{path}?mode=rwc", uri=True) == f"{path}-writer.lock"
    memory = sqlite3.connect(":memory:", factory=SerialisedWriters)
    memory.execute("CREATE TABLE t (x)")
    memory.execute("INSERT INTO t VALUES (1)")
    memory.commit()


def test_app_connections_are_serialised_and_keep_their_pragmas(tmp_path):
    app = create_app(
        {
            "AUTHSERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}",
            "AUTHSERVER_SECRET_KEY": "test-secret-key",
            "TESTING": True,
        }
    )
    with app.app_context():
        connection = db.session.connection()
        assert isinstance(connection.connection.dbapi_connection, SerialisedWriters)
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        pragma = connection.execute
        assert pragma(text("PRAGMA wal_autocheckpoint")).scalar() == WAL_CHECKPOINT_PAGES == 8000
        assert pragma(text("PRAGMA journal_size_limit")).scalar() == WAL_SIZE_LIMIT
        db.session.remove()
        db.engine.dispose()
