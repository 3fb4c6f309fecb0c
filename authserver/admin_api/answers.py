"""How the Admin API shows a stored record: Cafe24's key, its fields in Cafe24's format, its
dates in the mall's zone (``AUTHSERVER_TIMEZONE``), ``embed=`` and ``fields=``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from authserver.admin_api import keys, wire
from authserver.admin_api.schema import APP_OBJECT, Resource

SHOP_NO = 1


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def time_zone() -> ZoneInfo:
    """The zone of the dates the API shows (``AUTHSERVER_TIMEZONE``)."""
    return _zone(current_app.config["AUTHSERVER_TIMEZONE"])


def resource_date(moment: datetime) -> str:
    """Naive UTC -> ISO 8601 with the offset of ``AUTHSERVER_TIMEZONE`` (``...T21:00:00+09:00``)."""
    return _in_zone(moment, time_zone())


def _in_zone(moment: datetime, zone: ZoneInfo) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat(timespec="seconds")


def to_json(
    resource: Resource,
    record: Any,
    zone: ZoneInfo | None = None,
    *,
    embed: frozenset[str] = frozenset(),
    fields: frozenset[str] | None = None,
    action: str = "get",
) -> dict[str, Any]:
    """A record as Cafe24 shows it: ``shop_no`` (``Resource.with_shop_no``), its key, every
    field in Cafe24's format (an embedded one only when ``embed`` names it, none Cafe24 omits
    in the answer to ``action``), then its dates; only ``fields`` when given.

    A list passes ``zone`` (:func:`time_zone`) once for all its records."""
    zone = zone or time_zone()
    data = record.data
    key = keys.write(resource, record.record_no, record.created_date, zone, data)
    body: dict[str, Any] = {"shop_no": SHOP_NO} if resource.with_shop_no else {}
    body[resource.number_field] = key
    answer = wire.answer
    body.update(
        {
            f.name: answer(f, data.get(f.name))
            for f in resource.fields
            if (not f.embedded or f.name in embed) and action not in f.omitted_in
        }
    )
    # ``dates`` may name only the first (an activity log's ``process_date``).
    moments = (record.created_date, record.updated_date)[: len(resource.dates)]
    for name, moment in zip(resource.dates, moments, strict=True):
        body[name] = _in_zone(moment, zone)
    return only(body, fields)


def only(body: dict[str, Any], fields: frozenset[str] | None) -> dict[str, Any]:
    """``body`` with only the keys ``fields=`` names (all of them without ``fields=``)."""
    if fields is None:
        return body
    return {name: value for name, value in body.items() if name in fields}


def object_json(
    resource: Resource, mall_id: str, record: Any, fields: frozenset[str] | None = None
) -> dict[str, Any]:
    """A one-object resource: ``store`` (defaults from the mall until set) or the app's ``app``."""
    if resource.kind == APP_OBJECT:
        data = record.data if record else {}
        body = {f.name: wire.answer(f, data.get(f.name)) for f in resource.fields}
    else:
        body = store_json(resource, mall_id, record)
    return only(body, fields)


def store_json(resource: Resource, mall_id: str, record: Any | None) -> dict[str, Any]:
    """The ``store`` object: defaults from the mall until an app or the operator sets fields."""
    data = record.data if record else {}
    body: dict[str, Any] = {"shop_no": SHOP_NO, "mall_id": mall_id}
    body.update({f.name: wire.answer(f, data.get(f.name)) for f in resource.fields})
    if body.get("shop_name") is None:
        body["shop_name"] = mall_id
    if record is not None:
        body["updated_date"] = resource_date(record.updated_date)
    return body
