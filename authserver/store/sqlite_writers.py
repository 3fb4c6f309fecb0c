"""One SQLite writer at a time across processes and threads, queued on a file lock.

SQLite lets one transaction write at a time. A second writer that finds the write lock taken
does not queue for it: its busy handler sleeps and retries, in steps of 1 ms growing to 100 ms,
so under gunicorn's several workers a short write transaction (a code exchange holds the lock
for well under a millisecond) can wait a hundred times longer than needed: the p99 of the token
endpoint was 150 ms on SQLite for that reason alone.

Here every write transaction first takes an exclusive ``flock`` on a file beside the database
(``<database>-writer.lock``), just before its first INSERT, UPDATE, DELETE or REPLACE (where
Python's sqlite3 module opens the transaction), and gives it up when the transaction ends. A
blocked ``flock`` sleeps in the kernel and wakes as soon as the holder is done, so writers
queue instead of polling; readers take no lock (WAL mode lets them run beside the writer).

Each connection opens the lock file once, on its first write, and keeps it: a transaction
takes the lock with ``LOCK_EX`` and gives it up with ``LOCK_UN`` (opening and closing the file
each time cost 3 µs more per write transaction). A flock belongs to the open file, which a
fork shares: a forked child closes its copies of the parent's lock files (never unlocks them)
and opens its own on its first write, so child and parent never share a lock; a process that
dies releases what it held. A writer waits as long as the holder's transaction lasts, as
SQLite's own writers queue behind an open write transaction; that includes the checkpoint the
commit passing ``wal_autocheckpoint`` runs, kept under the lock on purpose (see
``_sqlite_pragmas`` in ``authserver/__init__.py``). A thread that already holds the lock
through one connection and writes through another does not wait for itself: that second
connection goes without the file lock and SQLite's own busy timeout applies, as it did before.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: The statements before which Python's sqlite3 module opens a transaction (legacy mode).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

#: How many writer locks each thread holds (by thread id), to never wait for itself.
_held_by_thread: dict[int, int] = {}
#: The lock files this process has open (one per connection that wrote, locked or not).
_open_locks: set[int] = set()


def _forget_parent_locks() -> None:
    """In a forked child: its copies of the parent's lock files share the parent's locks (a
    flock belongs to the open file, shared across fork), so a child locking one would not wait
    for the parent, and one the parent holds would stay held while the child keeps the copy.
    Closing the copies leaves the parent's locks as they are; ``LOCK_UN`` would release them.
    The child's connections notice the other process id and open their own file."""
    for fd in _open_locks:
        with contextlib.suppress(OSError):
            os.close(fd)
    _open_locks.clear()
    _held_by_thread.clear()


os.register_at_fork(after_in_child=_forget_parent_locks)


def lock_path(database: str, uri: bool = False) -> str | None:
    """The lock file of a database file, ``None`` for an in-memory database."""
    if uri:
        parts = urlsplit(database)
        if "memory" in parse_qs(parts.query).get("mode", []):
            return None
        database = parts.path
    if not database or database == ":memory:":
        return None
    return f"{database}-writer.lock"


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class _Cursor(sqlite3.Cursor):
    """Takes its connection's writer lock before a write that opens a transaction."""

    connection: SerialisedWriters

    def execute(self, sql, parameters=(), /):
        self.connection.before_statement(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection.after_statement()

    def executemany(self, sql, seq_of_parameters, /):
        self.connection.before_statement(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.after_statement()


class SerialisedWriters(sqlite3.Connection):
    """A sqlite3 connection whose write transactions hold the database's writer lock."""

    def __init__(self, database, *args, **kwargs):
        self._lock_fd: int | None = None  # this connection's lock file, open in _lock_pid
        self._lock_pid = 0
        self._locked = False  # whether this connection holds the lock now
        self._holder = 0  # the thread that took it
        self._lock_path = lock_path(os.fsdecode(database), bool(kwargs.get("uri")))
        super().__init__(database, *args, **kwargs)

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    # sqlite3's shortcuts make a plain cursor, not one from ``cursor()``.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after_statement()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after_statement()

    def __exit__(self, *exc_info):  # ``with connection:`` commits or rolls back in C
        try:
            return super().__exit__(*exc_info)
        finally:
            self.after_statement()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._close_lock_file()

    def __del__(self) -> None:  # a connection dropped without close() must not keep the lock
        self._close_lock_file()

    def before_statement(self, sql: str) -> None:
        """Take the writer lock before ``sql`` when it is a write that opens a transaction."""
        if self._lock_path is None or self.in_transaction:
            return
        if self._locked and self._lock_pid == os.getpid():
            return
        thread = threading.get_ident()
        if not _is_write(sql) or _held_by_thread.get(thread):
            return
        fcntl.flock(self.lock_file(), fcntl.LOCK_EX)
        self._locked, self._holder = True, thread
        _held_by_thread[thread] = _held_by_thread.get(thread, 0) + 1

    def lock_file(self) -> int:
        """This connection's lock file, opened by this process (not a copy from a fork)."""
        if self._lock_fd is None or self._lock_pid != os.getpid():
            # None yet, or the parent's (its copy closed in this child at the fork).
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._lock_pid, self._locked = os.getpid(), False
            _open_locks.add(self._lock_fd)
        return self._lock_fd

    @property
    def lock_fd(self) -> int | None:
        """The lock file this connection holds open now, if any (without opening one)."""
        return self._lock_fd

    def after_statement(self) -> None:
        """Release once no transaction is open (committed, rolled back, or never begun)."""
        if self._locked and not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if not self._locked or self._lock_pid != os.getpid():
            return  # none held, or the parent's, closed in this child at the fork
        self._locked = False
        remaining = _held_by_thread.pop(self._holder, 1) - 1
        if remaining > 0:
            _held_by_thread[self._holder] = remaining
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        except BaseException:
            self._close_lock_file()  # closing the file releases the flock too
            raise

    def _close_lock_file(self) -> None:
        self._release()
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None and self._lock_pid == os.getpid():
            _open_locks.discard(fd)
            os.close(fd)


def serialise_writers(engine: Engine) -> None:
    """Make every new connection of a SQLite ``engine`` a :class:`SerialisedWriters`."""

    @event.listens_for(engine, "do_connect")
    def _connection_class(dialect, connection_record, cargs, cparams) -> None:
        cparams.setdefault("factory", SerialisedWriters)
