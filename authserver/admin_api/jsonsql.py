"""SQL over the lists inside a record's JSON, the same on SQLite and PostgreSQL.

A filter on a list field (``product_tag``, a product's ``variants`` and ``category``, an order's
``payment_method`` and ``items``) and the sales report's sums over the orders' ``items`` read
the elements of a JSON array in the database. The two databases name that differently
(SQLite's ``json_each``, PostgreSQL's ``json_array_elements``), so these constructs are compiled
per dialect with SQLAlchemy's public compiler extension. Each is written so that no stored
value can make the statement fail: a field that is not an array has no elements, an element
that is not an object has no members, and text that is not a number has no number (a
PostgreSQL cast of such text would be an error, hence a 5xx, on every later call).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, Numeric, Text, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Keys are the resource table's own names, written into the SQL as literals.
_KEY = re.compile(r"[a-z_]{1,40}")


def _key(name: str) -> Any:
    """``name`` as an argument of a construct: a column of that name is part of the
    statement's cache key, so two statements naming different fields never share SQL."""
    if not _KEY.fullmatch(name):  # pragma: no cover - a programming error
        raise ValueError(f"not a field name: {name!r}")
    return literal_column(name)


def _arguments(element: FunctionElement, compiler: Any, **kw: Any) -> tuple[str, str | None]:
    """The construct's SQL argument, and the field name it was given (if any)."""
    value, *name = element.clauses
    return compiler.process(value, **kw), name[0].name if name else None


class elements(FunctionElement):  # noqa: N801 - SQL functions are lower case
    """The elements of the array ``data[name]`` as a table of one column, ``value``
    (``elements(data, "items").table_valued("value")``): none when it is no array."""

    inherit_cache = True
    type = JSON()

    def __init__(self, data: Any, name: str):
        super().__init__(data, _key(name))


@compiles(elements, "sqlite")
def _elements_sqlite(element: elements, compiler: Any, **kw: Any) -> str:
    data, name = _arguments(element, compiler, **kw)
    path = f"'$.\"{name}\"'"
    array = f"CASE WHEN json_type({data}, {path}) = 'array' THEN json_extract({data}, {path}) END"
    return f"json_each({array})"


@compiles(elements, "postgresql")
def _elements_postgresql(element: elements, compiler: Any, **kw: Any) -> str:
    data, name = _arguments(element, compiler, **kw)
    field = f"({data} -> '{name}')"
    return f"json_array_elements(CASE WHEN json_typeof({field}) = 'array' THEN {field} END)"


class element_text(FunctionElement):  # noqa: N801
    """The text of an element (``value`` of :class:`elements`), or of its member ``key``
    when given (``NULL`` when the element is no object)."""

    inherit_cache = True
    type = Text()

    def __init__(self, value: Any, key: str | None = None):
        super().__init__(value, *([] if key is None else [_key(key)]))


@compiles(element_text, "sqlite")
def _element_text_sqlite(element: element_text, compiler: Any, **kw: Any) -> str:
    value, key = _arguments(element, compiler, **kw)
    if key is None:  # json_each's value is already the SQL value of a scalar
        return value
    return (
        f"CASE WHEN json_valid({value}) AND json_type({value}) = 'object' "
        f"THEN json_extract({value}, '$.\"{key}\"') END"
    )


@compiles(element_text, "postgresql")
def _element_text_postgresql(element: element_text, compiler: Any, **kw: Any) -> str:
    value, key = _arguments(element, compiler, **kw)
    if key is None:
        return f"({value} #>> '{{}}')"
    return f"CASE WHEN json_typeof({value}) = 'object' THEN {value} ->> '{key}' END"


class number(FunctionElement):  # noqa: N801
    """A JSON value's text as a number (``"1100.00"``, ``5``), ``NULL`` when it is none."""

    inherit_cache = True
    type = Numeric()


@compiles(number, "sqlite")
def _number_sqlite(element: number, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN typeof({text}) IN ('integer', 'real') THEN {text} "
        f"WHEN {text} GLOB '[0-9]*' AND {text} NOT GLOB '*[^0-9.]*' "
        f"THEN CAST({text} AS NUMERIC) END"
    )


@compiles(number, "postgresql")
def _number_postgresql(element: number, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN ({text}) ~ '^[0-9]{{1,16}}(\\.[0-9]{{1,8}})?$' THEN CAST({text} AS NUMERIC) END"
    )
