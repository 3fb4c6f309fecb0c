"""Storage of the Admin API's per-mall records: one generic table, numbered per (mall, resource).

Why one table: the thirteen writable resources differ only in their fields, which the
declarative table in ``resources.py`` validates, so one model and one set of queries serve them
all; a new resource needs no migration. ``admin_records`` holds (mall_pk, resource, record_no,
app_pk, lookup, data JSON, created_date, updated_date); its unique index (mall_pk, resource,
record_no) serves the list in number order with limit/offset, the count, and every read and
write by number or by a key derived from it (``keys``), so no query scans another mall's or
another resource's rows. ``app_pk`` is set only for ``apps``, whose one object per app is its
record number ``app_pk``.

Filters (``filters``) run in the database. Two more indexes serve what they look up: (mall_pk,
resource, lookup), where ``lookup`` is the copy of the one text field a resource is looked up
and filtered by (``Resource.lookup``: customers', carts' and orders' ``member_id``), written
with the data on every create and update; and (mall_pk, resource, created_date) for the date
ranges. Why a column rather than an expression index on ``data``: SQLAlchemy binds the JSON
path as a parameter in a query but writes it as a literal in an index, and SQLite then cannot
match the two; a plain column is planned the same way on SQLite and PostgreSQL. Filters on
other fields (flags, names, codes) read ``data`` with SQLAlchemy's JSON operators on the rows
the (mall_pk, resource) prefix of these indexes selects.

Numbers come from ``admin_record_sequences`` (mall_pk, resource, last_no): one ``UPDATE ...
RETURNING`` in the writing transaction, so concurrent creates get distinct numbers (the row lock
serialises them) and a number is never reused after a delete, as Cafe24's ``product_no`` is not.
The ``store`` object is the record number 1 of resource ``store``.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from authserver.admin_api import keys
from authserver.admin_api.answers import (
    SHOP_NO,
    object_json,
    resource_date,
    store_json,
    time_zone,
    to_json,
)
from authserver.admin_api.resources import APP_OBJECT, MAX_INT, RESOURCES, Resource

__all__ = [
    "SHOP_NO", "AdminRecord", "object_json", "resource_date", "store_json", "time_zone", "to_json",
]  # fmt: skip
from authserver.extensions import db
from authserver.models.base import utcnow
from authserver.platform.http import COMPACT_JSON
from authserver.store import reader

STORE_NUMBER = 1


class AdminRecord(db.Model):
    __tablename__ = "admin_records"
    __table_args__ = (
        UniqueConstraint("mall_pk", "resource", "record_no"),
        Index("ix_admin_records_lookup", "mall_pk", "resource", "lookup", "record_no"),
        Index("ix_admin_records_created", "mall_pk", "resource", "created_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mall_pk: Mapped[int] = mapped_column(ForeignKey("malls.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(32))
    record_no: Mapped[int] = mapped_column(Integer)
    app_pk: Mapped[int | None] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), index=True
    )
    #: ``data[Resource.lookup]`` (``member_id``), kept for the index; see the module's docstring.
    lookup: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    updated_date: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AdminRecordSequence(db.Model):
    __tablename__ = "admin_record_sequences"

    mall_pk: Mapped[int] = mapped_column(
        ForeignKey("malls.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer, default=0)


_RECORDS = AdminRecord.__table__


#: What a list and a read return of a record: ``data`` as its JSON text (``CAST`` gives the text
#: as stored on both databases), so that a record's answer can be remembered by the row's values
#: (``record_text``); a parsed dict could not be a key.
_COLUMNS = (
    _RECORDS.c.record_no,
    cast(_RECORDS.c.data, Text).label("data_text"),
    _RECORDS.c.created_date,
    _RECORDS.c.updated_date,
)


def _where(mall_pk: Any, app_pk: Any | None) -> list[Any]:
    where = [_RECORDS.c.mall_pk == mall_pk, _RECORDS.c.resource == bindparam("resource")]
    if app_pk is not None:
        where.append(_RECORDS.c.app_pk == app_pk)
    return where


def page_select(mall_pk: Any, app_pk: Any | None, *gate: Any) -> Any:
    """The list's SELECT: the records of ``:resource`` of ``mall_pk`` (and of ``app_pk``
    unless ``None``: a resource not per app), in number order, ``:limit`` from ``:offset`` on."""
    return (
        select(*_COLUMNS)
        .where(*_where(mall_pk, app_pk), *gate)
        .order_by(_RECORDS.c.record_no)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _statements(per_app: bool) -> dict[str, Any]:
    app_pk = bindparam("app_pk") if per_app else None
    where = _where(bindparam("mall_pk"), app_pk)
    return {
        "list": page_select(bindparam("mall_pk"), app_pk),
        "count": select(func.count()).select_from(_RECORDS).where(*where),
        "one": select(*_COLUMNS).where(*where, _RECORDS.c.record_no == bindparam("number")),
        "entity": select(AdminRecord).where(*where, _RECORDS.c.record_no == bindparam("number")),
    }


_STATEMENTS = {per_app: _statements(per_app) for per_app in (False, True)}


def _parameters(
    mall_pk: int, resource: Resource, app_pk: int | None, **more: int
) -> dict[str, Any]:
    return {"mall_pk": mall_pk, "resource": resource.storage, "app_pk": app_pk, **more}


def list_json(
    mall_pk: int,
    resource: Resource,
    app_pk: int | None,
    limit: int,
    offset: int,
    zone: ZoneInfo,
    conditions: tuple[Any, ...] = (),
    shape: tuple[frozenset[str], frozenset[str] | None] | None = None,
) -> list[str]:
    """The records meeting ``conditions`` (``filters.parse``) in number order from ``offset``
    on, each as the compact JSON text of :func:`to_json` in ``zone``; ``shape`` is ``embed=``
    and ``fields=`` when the call asked for either."""
    parameters = _parameters(mall_pk, resource, app_pk, limit=limit, offset=offset)
    statement = _STATEMENTS[resource.per_app]["list"]
    if conditions:  # the prebuilt statement serves the common, unfiltered list
        statement = page_select(
            bindparam("mall_pk"), bindparam("app_pk") if resource.per_app else None, *conditions
        )
    rows = reader().execute(statement, parameters)
    if shape is not None:
        embed, fields = shape
        return [
            COMPACT_JSON.encode(
                to_json(
                    resource,
                    StoredRecord(
                        row.record_no,
                        json.loads(row.data_text),
                        row.created_date,
                        row.updated_date,
                    ),
                    zone,
                    embed=embed,
                    fields=fields,
                    action="list",
                )
            )
            for row in rows
        ]
    return [
        record_text(
            resource.path, zone, row.record_no, row.data_text, row.created_date, row.updated_date
        )
        for row in rows
    ]


@lru_cache(maxsize=4096)
def record_text(
    path: str,
    zone: ZoneInfo,
    record_no: int,
    data_text: str,
    created: datetime,
    updated: datetime,
) -> str:
    """A record of the resource at ``path`` as its answer's compact JSON text: a pure function
    of the row's values, so a record read again while unchanged is not encoded again (at most
    4096 kept, the least recently used dropped). Keyed by the path, not the ``Resource``:
    hashing that frozen dataclass on every record cost more than the cache lookup."""
    record = StoredRecord(record_no, json.loads(data_text), created, updated)
    return COMPACT_JSON.encode(to_json(RESOURCES[path], record, zone, action="list"))


class StoredRecord(NamedTuple):
    """A record as ``to_json`` reads it, from a read (``data`` parsed from its text)."""

    record_no: int
    data: dict[str, Any]
    created_date: datetime
    updated_date: datetime


def count_records(
    mall_pk: int, resource: Resource, app_pk: int | None, conditions: tuple[Any, ...] = ()
) -> int:
    parameters = _parameters(mall_pk, resource, app_pk)
    statement = _STATEMENTS[resource.per_app]["count"]
    if conditions:
        statement = statement.where(*conditions)
    return reader().scalar(statement, parameters) or 0


def _keyed(
    prebuilt: str,
    selected: tuple[Any, ...],
    mall_pk: int,
    resource: Resource,
    app_pk: int | None,
    key: keys.Key | int,
) -> tuple[Any, dict[str, Any]] | None:
    """The statement selecting ``selected`` of the record ``key`` names, and its parameters:
    the ``prebuilt`` one by number (plus the day an ``order_id`` names), or by ``lookup``;
    ``None`` for a number no record can have."""
    if isinstance(key, int):
        key = keys.Key(number=key)
    statement = _STATEMENTS[resource.per_app][prebuilt]
    more: dict[str, Any] = {}
    if key.lookup is not None:
        owner = app_pk if resource.per_app else None
        statement = select(*selected).where(*_where(mall_pk, owner)).limit(1)
        statement = statement.where(_RECORDS.c.lookup == key.lookup)
    else:
        if not 1 <= key.number <= MAX_INT:
            return None
        more["number"] = key.number
        if key.day is not None:
            start, end = keys.day_bounds(key.day, time_zone())
            statement = statement.where(
                _RECORDS.c.created_date >= start, _RECORDS.c.created_date < end
            )
    return statement, _parameters(mall_pk, resource, app_pk, **more)


def read_record(mall_pk: int, resource: Resource, app_pk: int | None, key: keys.Key | int) -> Any:
    """The record ``key`` names as a row for ``to_json`` (a read: no ORM entity), or ``None``."""
    keyed = _keyed("one", _COLUMNS, mall_pk, resource, app_pk, key)
    row = reader().first(*keyed) if keyed else None
    if row is None:
        return None
    return StoredRecord(
        row.record_no, json.loads(row.data_text), row.created_date, row.updated_date
    )


def get_record(
    mall_pk: int, resource: Resource, app_pk: int | None, key: keys.Key | int
) -> AdminRecord | None:
    """The record ``key`` names as an entity of the session, for a write to change or delete."""
    keyed = _keyed("entity", (AdminRecord,), mall_pk, resource, app_pk, key)
    return db.session.scalar(*keyed) if keyed else None


def set_data(record: AdminRecord, resource: Resource, data: dict[str, Any]) -> None:
    """Store ``data`` in the record, and its ``lookup`` copy with it."""
    record.data = data
    if resource.lookup:
        value = data.get(resource.lookup)
        record.lookup = value if isinstance(value, str) else None


def next_number(mall_pk: int, resource: str) -> int:
    """The next record number of (mall, resource), in the caller's transaction."""
    bump = (
        update(AdminRecordSequence)
        .where(AdminRecordSequence.mall_pk == mall_pk, AdminRecordSequence.resource == resource)
        .values(last_no=AdminRecordSequence.last_no + 1)
        .returning(AdminRecordSequence.last_no)
    )
    number = db.session.scalar(bump)
    if number is not None:
        return number
    try:
        with db.session.begin_nested():
            db.session.add(AdminRecordSequence(mall_pk=mall_pk, resource=resource, last_no=1))
        return 1
    except IntegrityError:  # another transaction created the sequence first
        return db.session.scalar(bump)


def create_record(
    mall_pk: int, resource: Resource, app_pk: int | None, data: dict[str, Any]
) -> AdminRecord:
    record = AdminRecord(
        mall_pk=mall_pk,
        resource=resource.storage,
        record_no=next_number(mall_pk, resource.storage),
        app_pk=app_pk if resource.per_app else None,
    )
    set_data(record, resource, data)
    db.session.add(record)
    db.session.flush()
    return record


def object_number(resource: Resource, app_pk: int | None) -> int:
    """The record number of a one-object resource: 1 (``store``), the app's id (``apps``)."""
    return app_pk if resource.kind == APP_OBJECT and app_pk else STORE_NUMBER


def put_store(
    mall_pk: int, resource: Resource, data: dict[str, Any], app_pk: int | None = None
) -> AdminRecord:
    """Create or update the mall's one object of ``resource`` (of the app, for ``apps``)."""
    number = object_number(resource, app_pk)
    owner = app_pk if resource.per_app else None
    record = get_record(mall_pk, resource, owner, number)
    if record is None:
        try:
            with db.session.begin_nested():
                record = AdminRecord(
                    mall_pk=mall_pk,
                    resource=resource.storage,
                    record_no=number,
                    app_pk=owner,
                    data=data,
                )
                db.session.add(record)
            return record
        except IntegrityError:  # a concurrent first PUT won; update its row instead
            record = get_record(mall_pk, resource, owner, number)
    record.data = {**record.data, **data}
    db.session.flush()
    return record


def missing_products(mall_pk: int, numbers: list[int]) -> set[int]:
    """Which of ``numbers`` are no product of the mall (one query)."""
    if not numbers:
        return set()
    found = db.session.scalars(
        select(AdminRecord.record_no).where(
            AdminRecord.mall_pk == mall_pk,
            AdminRecord.resource == "products",
            AdminRecord.record_no.in_(numbers),
        )
    )
    return set(numbers) - set(found)
