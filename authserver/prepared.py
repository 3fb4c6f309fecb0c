"""A read-only Core statement compiled once for a dialect, to run on the DBAPI cursor itself.

``readonly.py`` runs the hot paths' statements, built once at import, a few times per request.
Through ``Connection.execute`` each run pays SQLAlchemy's per-execution machinery: the compiled
cache's lookup, the parameters' processing, an execution context, a ``CursorResult`` and its
``Row`` objects. On SQLite that was about 28 µs a statement, twice the
driver's own ``execute`` and ``fetchone``; more on psycopg. A statement that never changes needs
none of it after its first compile, so a :class:`Prepared` keeps what the execution would have
worked out each time:

- the SQL of ``statement.compile(dialect=...)``, as ``Connection.execute`` would send it;
- for each placeholder, in the driver's order (``positiontup`` for sqlite's qmark style, the
  names for psycopg's pyformat one), the caller's key, the value bound in the statement when it
  is not required (``column == "orders"``), and the type's bind processor;
- a row class (a namedtuple of the statement's column keys: ``row.key``, ``row[0]``,
  ``row._asdict()``, unpacking, as callers used ``Row``) and each column type's result
  processor (SQLite's DATETIME strings to ``datetime``, JSON text to objects), taken from the
  first cursor's ``description`` as ``CursorResult`` takes them.

Processors come from the public ``TypeEngine.dialect_impl(dialect)``, so values go in and come
out exactly as through SQLAlchemy (tests/test_readonly.py compares both paths). What this does
not reproduce is refused (``prepare`` returns ``None``) and ``readonly.py`` runs that statement
through SQLAlchemy as before: other drivers than the two the suite tests, expanding (``IN``),
literal-execute and post-compile parameters, parameters whose value is a callable, column keys
that cannot be attribute names.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Engine, Executable
from sqlalchemy.exc import DBAPIError, InvalidRequestError

#: The DBAPI drivers whose execution this reproduces (the suite runs on both).
DRIVERS = frozenset({"pysqlite", "psycopg"})

_new_tuple = tuple.__new__
_UNSEEN = object()


class Prepared:
    """One statement's SQL, parameter binding and row building for one dialect."""

    __slots__ = ("sql", "bind", "_row_class", "_types", "_dialect", "_make")

    def __init__(
        self,
        sql: str,
        bind: Callable[[Mapping[str, Any]], Sequence[Any] | dict[str, Any]],
        row_class: type[tuple],
        types: list[Any],
        dialect: Dialect,
    ):
        self.sql = sql
        #: the caller's parameters -> what the driver's ``execute`` takes
        self.bind = bind
        self._row_class = row_class
        self._types = types
        self._dialect = dialect
        #: raw DBAPI row -> row; set from the first cursor's description
        self._make: Callable[[Sequence[Any]], Any] | None = None

    def first(self, cursor: Any) -> Any:
        raw = cursor.fetchone()
        if raw is None:
            return None
        return (self._make or self._ready(cursor.description))(raw)

    def rows(self, cursor: Any) -> list[Any]:
        raws = cursor.fetchall()
        if not raws:
            return []
        make = self._make or self._ready(cursor.description)
        return [make(raw) for raw in raws]

    def scalar(self, cursor: Any) -> Any:
        row = self.first(cursor)
        return None if row is None else row[0]

    def converted(self, cursor: Any, memo: Memo) -> list[Any]:
        """Every row as ``memo.convert(row)``, remembered by the row as the driver returned it:
        a row read again skips the result processors and the conversion."""
        raws = cursor.fetchall()
        if not raws:
            return []
        make = self._make or self._ready(cursor.description)
        return memo.each(raws, make)

    def head_and_converted(self, cursor: Any, memo: Memo, width: int) -> tuple[Any, list[Any]]:
        """For a statement whose rows are one row (the head: the first ``width`` columns, the
        same in every row) joined to items (the other columns, all NULL for none): the head,
        and each item as ``memo.convert(row)``, remembered by the item's columns as the driver
        returned them (as ``converted`` remembers a row of the items' own statement)."""
        raws = cursor.fetchall()
        if not raws:
            return None, []
        make = self._make or self._ready(cursor.description)
        first = raws[0]
        prefix = tuple(first[:width])
        head = make(prefix + (None,) * (len(first) - width))
        items = [raw[width:] for raw in raws if raw[width] is not None]
        if not items:
            return head, []
        return head, memo.each(items, lambda item: make(prefix + item))

    def _ready(self, description: Sequence[Sequence[Any]]) -> Callable[[Sequence[Any]], Any]:
        """The row maker, with the result processors ``CursorResult`` would use: by the
        column's type, given the driver's type code of the column (psycopg's NUMERIC needs it)."""
        dialect, row_class = self._dialect, self._row_class
        processors = []
        for index, (type_, column) in enumerate(zip(self._types, description, strict=True)):
            process = type_.dialect_impl(dialect).result_processor(dialect, column[1])
            if process is not None:
                processors.append((index, process))
        if processors:

            def make(raw: Sequence[Any]) -> Any:
                values = list(raw)
                for index, process in processors:
                    values[index] = process(values[index])
                return _new_tuple(row_class, values)

        else:

            def make(raw: Sequence[Any]) -> Any:
                return _new_tuple(row_class, raw)

        self._make = make
        return make


class Memo:
    """A pure function of a row (``convert``), remembered by the row as the driver returns it.

    ``convert`` must depend on nothing but the row's values (what a caller binds in it, a
    resource or a time zone, goes into the memo's identity: one memo per such binding). The
    driver's row is the key, so a row changed in any column is converted afresh; a row with an
    unhashable value (psycopg's parsed JSON) is converted every time. Values a driver returns
    equal but of different types (``1``, ``1.0``, ``True``) would share an answer: a memo is
    for a statement whose columns each come back in one type. At most ``size`` rows are
    kept, and with ``max_length`` only answers (texts) of at most that length, so a memo holds
    at most about ``size * max_length`` characters of answers and as much of keys: a full memo
    starts over, which costs a conversion per row, never a wrong answer.
    """

    __slots__ = ("convert", "size", "max_length", "_seen")

    def __init__(
        self, convert: Callable[[Any], Any], size: int = 256, max_length: int | None = None
    ):
        self.convert = convert
        self.size = size
        self.max_length = max_length
        self._seen: dict[Any, Any] = {}

    def each(self, raws: Sequence[Any], make: Callable[[Sequence[Any]], Any]) -> list[Any]:
        """``convert(make(raw))`` for each raw row, from the memo where it has it."""
        seen, convert = self._seen, self.convert
        answers = []
        for raw in raws:
            try:
                answer = seen.get(raw, _UNSEEN)
            except TypeError:  # unhashable: not remembered
                answers.append(convert(make(raw)))
                continue
            if answer is _UNSEEN:
                answer = convert(make(raw))
                if self.max_length is None or len(answer) <= self.max_length:
                    if len(seen) >= self.size:
                        seen.clear()
                    seen[raw] = answer
            answers.append(answer)
        return answers


def prepare(statement: Executable, dialect: Dialect) -> Prepared | None:
    """``statement`` compiled for ``dialect``, or ``None`` when it needs SQLAlchemy's execution."""
    selected = getattr(statement, "selected_columns", None)  # a SELECT, not text() or DML
    if dialect.driver not in DRIVERS or selected is None:
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    binds = compiled.bind_names  # BindParameter -> its name in the SQL
    if any(bind.expanding or bind.callable is not None for bind in binds):
        return None
    by_name = {name: bind for bind, name in binds.items()}
    if compiled.positional:
        names = list(compiled.positiontup or ())
        placeholders = None
    else:
        names = list(by_name)
        # pyformat: the driver's keys are the escaped names (``%(name)s``)
        placeholders = [compiled.escaped_bind_names.get(name, name) for name in names]
    bind = _binder(dialect, [by_name[name] for name in names], placeholders)
    columns, keys = list(selected), list(selected.keys())
    if not columns or not all(_attribute_name(key) for key in keys) or len(set(keys)) != len(keys):
        return None
    row_class = namedtuple("Record", keys, module=__name__)
    return Prepared(compiled.string, bind, row_class, [c.type for c in columns], dialect)


def _attribute_name(key: Any) -> bool:
    return (
        isinstance(key, str)
        and key.isidentifier()
        and not keyword.iskeyword(key)
        and (not key.startswith("_"))
    )


def _binder(dialect: Dialect, binds: list[Any], placeholders: list[str] | None):
    """The function turning the caller's dict into the driver's parameters, values in the
    placeholders' order (a tuple for positional styles, a dict keyed by placeholder otherwise)."""
    keys = [bind.key for bind in binds]
    processors = [bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds]
    if all(bind.required for bind in binds) and not any(processors):
        # The hot paths' statements: every value is the caller's, passed through as it is.
        if not keys:
            values: Callable[[Mapping[str, Any]], tuple] = lambda parameters: ()  # noqa: E731
        elif len(keys) == 1:
            key = keys[0]
            values = lambda parameters: (parameters[key],)  # noqa: E731
        else:
            values = itemgetter(*keys)
    else:
        fixed = [bind.value for bind in binds]
        required = [bind.required for bind in binds]
        spec = list(zip(keys, required, fixed, processors, strict=True))

        def values(parameters: Mapping[str, Any]) -> tuple:
            bound = []
            for key, needed, value, process in spec:
                if key in parameters or needed:
                    value = parameters[key]
                bound.append(value if process is None else process(value))
            return tuple(bound)

    def bind(parameters: Mapping[str, Any] | None) -> Sequence[Any] | dict[str, Any]:
        try:
            found = values(parameters or {})
        except KeyError as missing:
            # Connection.execute's message for the same mistake.
            raise InvalidRequestError(
                f"A value is required for bind parameter {missing.args[0]!r}", code="cd3x"
            ) from None
        return found if placeholders is None else dict(zip(placeholders, found, strict=True))

    return bind


def wrapped_error(
    engine: Engine, sql: str, parameters: Any, error: Exception, disconnected: bool
) -> Exception:
    """``error`` (a driver's, or a missing value) as ``Connection.execute`` raises it: a
    ``DBAPIError`` subclass (``errors.py`` answers a database failure with a 503), a
    ``StatementError`` for anything else, with the engine's ``hide_parameters``."""
    dialect = engine.dialect
    return DBAPIError.instance(
        sql,
        parameters,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=engine.hide_parameters,
        connection_invalidated=disconnected,
        dialect=dialect,
        ismulti=False,
    )
