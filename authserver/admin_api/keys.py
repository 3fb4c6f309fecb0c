"""Cafe24's item keys: how a record's key is written from its row and read back from a path.

Every record is stored under its per-mall number (``record_no``, the unique index's last
column), and the keys Cafe24 uses are derived from it, so a lookup by key stays one indexed
query and no second, mutable copy of the key can disagree with the row:

- ``NUMBERED``: the number itself (``product_no``, ``skin_no``);
- ``NUMBER_TEXT``: the number as a JSON string (``script_no`` ``"1"``, ``coupon_no``), the
  type Cafe24 gives these keys; a path names the record by the same digits;
- ``CODE``: a letter and the number in 7 base-36 digits, as Cafe24's codes look
  (``brand_code`` ``B000000A`` is brand 10);
- ``ORDER_ID``: ``YYYYMMDD-NNNNNNN``, the order's creation day in the mall's zone
  (``AUTHSERVER_TIMEZONE``) and its number; a lookup parses both and requires the day to match,
  so a made-up day finds nothing;
- ``LOOKUP``: a field of the record (customers' ``member_id``), read through the indexed
  ``lookup`` column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from authserver.admin_api.resources import CODE, LOOKUP, NUMBER_TEXT, ORDER_ID, Resource
from authserver.admin_api.wire import MAX_INT

_DIGITS36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CODE = re.compile(r"[A-Z][0-9A-Z]{7}")
_ORDER_ID = re.compile(r"([0-9]{8})-([0-9]{7})")
_NUMBER = re.compile(r"[0-9]{1,10}")
_LOOKUP = re.compile(r"[^\x00-\x1f/]{1,64}")


class Key(NamedTuple):
    """What a key names: a record number, maybe only on one day (``ORDER_ID``), or a lookup."""

    number: int | None = None
    day: date | None = None
    lookup: str | None = None


def write(
    resource: Resource,
    record_no: int,
    created: datetime,
    zone: ZoneInfo,
    data: Mapping[str, Any] | None = None,
) -> object:
    """The key of the record (``created``: naive UTC; ``data``: its fields, for ``LOOKUP``)."""
    kind = resource.key_kind
    if kind == LOOKUP:
        return (data or {}).get(resource.lookup or "")
    if kind == CODE:
        return code(resource.code_prefix, record_no)
    if kind == ORDER_ID:
        local = created.replace(tzinfo=UTC).astimezone(zone)
        return f"{local:%Y%m%d}-{record_no:07d}"
    if kind == NUMBER_TEXT:
        return str(record_no)
    return record_no


def code(prefix: str, number: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _DIGITS36[digit] + digits
    return prefix + digits.rjust(7, "0")


def read(resource: Resource, text: str) -> Key | None:
    """The record ``text`` names, or ``None`` when it cannot name one of this resource."""
    kind = resource.key_kind
    if kind == CODE:
        if not _CODE.fullmatch(text) or text[0] != resource.code_prefix:
            return None
        return _numbered(int(text[1:], 36))
    if kind == ORDER_ID:
        match = _ORDER_ID.fullmatch(text)
        if match is None:
            return None
        try:
            day = datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            return None
        key = _numbered(int(match.group(2)))
        return key and key._replace(day=day)
    if kind == LOOKUP:
        return Key(lookup=text) if _LOOKUP.fullmatch(text) else None
    return _numbered(int(text)) if _NUMBER.fullmatch(text) else None


def _numbered(number: int) -> Key | None:
    return Key(number=number) if 1 <= number <= MAX_INT else None


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day in ``zone`` as naive-UTC [start, end): how ``created_date`` is stored."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return naive_utc(start), naive_utc(end)


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
