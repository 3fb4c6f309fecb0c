"""Cafe24's list and count parameters: each resource's declared filters as SQL conditions.

A resource declares its filters in its row of ``resources.RESOURCES`` (``Filter(name, kind,
field)``); :func:`parse` reads the query string against them and returns the conditions the
list's or the count's SELECT adds, so filters run in the database, never over rows in Python.
As at Cafe24, a parameter the resource does not know is ignored; a known one with a bad value is
``Invalid`` naming it (the 422). ``limit``, ``offset``, ``fields`` and ``embed`` are read here too
(an embedded list, all of its parent's children, has no ``limit``/``offset``).

The kinds (``KINDS``) and what they read:

- ``numbers`` (``product_no=1,3``; with a ``field``, that JSON field, as orders' and the sales
  report's ``items[].product_no``), ``since`` (``since_product_no=10``), ``codes``
  (``brand_code=B0000001,B0000002``) and ``order_ids``: the record number, the last column of the
  unique index (mall_pk, resource, record_no), so these are index range or point lookups;
- ``lookup`` (``member_id=a,b``): the ``lookup`` column, indexed (mall_pk, resource, lookup);
- ``date_from``/``date_to`` (``created_start_date``, ``start_date``...): a day (``2024-01-31``,
  the whole day in the mall's zone) or an ISO date-time; ``created_date``/``updated_date``, the
  first indexed (mall_pk, resource, created_date);
- ``flag`` (``display=T``), ``flags`` (``deleted=T,F``: a comma list of flags), ``in``
  (exact values) and ``contains`` (a case-insensitive part of the text, any of the values),
  ``int``, ``min``/``max`` (``price_min=1000``: the field read as a number, at least or at most
  the amount): a JSON field of ``data`` read with SQLAlchemy's JSON operators
  (``data["display"].as_string()``), evaluated on the rows the (mall_pk, resource) prefix of
  the indexes selects: no other mall's or resource's rows are read. A field written
  ``list[].key`` (``variants[].quantity``) or ``list[]`` (``product_tag[]``) is met when any
  element of the list meets it (``jsonsql``: the array's elements, in the database);
- ``date_type`` (orders' ``date_type=order_date``): which date the record's date ranges read;
  the first of its ``choices`` is the one the ranges declare, any other names a date
  authserver does not keep, so a range over it matches no record;
- ``choice``: one of the values Cafe24 documents (``choices``), read by another filter;
- ``keyword`` (articles' ``keyword=linen``): a case-insensitive part of the text of the field
  the parameter its ``field`` names picks (``search=subject``: the title), LIKE's wildcards
  read as text; a field written ``number->resource.name`` is the ``name`` of the mall's record
  of ``resource`` this record's ``number`` names (``search=product``: the product's name);
- ``shop``: ``shop_no``; a mall has the one shop 1, so any other number matches nothing.

A filter with a ``default`` reads it when the call does not give the parameter (coupons'
``deleted=F``: a deleted coupon is listed only when asked for).

Comma lists take at most 100 values, as Cafe24's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import aliased

from authserver.admin_api import jsonsql, keys
from authserver.admin_api.records import AdminRecord
from authserver.admin_api.resources import EMBEDDED, RESOURCES, Filter, Resource, answer_keys
from authserver.admin_api.schema import DEFAULT_LIMIT
from authserver.admin_api.wire import FLAGS, MAX_INT, MAX_LIST, Invalid, money

KINDS = frozenset(
    {"numbers", "since", "codes", "order_ids", "lookup", "date_from", "date_to", "flag", "in"}
    | {"flags", "contains", "int", "min", "max", "date_type", "choice", "keyword", "shop"}
)
_declared = {f.kind for resource in RESOURCES.values() for f in resource.filters}
if not _declared <= KINDS:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(f"admin_api.RESOURCES declares unknown filter kinds: {_declared - KINDS}")
_INT = re.compile(r"[0-9]{1,10}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_VALUE = 255


class Query(NamedTuple):
    """A list's or count's reading of its query string."""

    conditions: tuple[Any, ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    #: ``fields=``: the keys each record keeps (``None``: all).
    fields: frozenset[str] | None = None
    #: ``embed=``: the embedded fields to show.
    embed: frozenset[str] = frozenset()


def parse(resource: Resource, args: Mapping[str, str], zone: ZoneInfo) -> Query:
    """The conditions, page, ``fields`` and ``embed`` of a list or count of ``resource``."""
    conditions = []
    dated = _ranges_apply(resource, args)
    for name, declared in resource.by_filter.items():
        raw = args.get(name, declared.default)
        if raw is None and declared.required:
            raise Invalid(name, f"{name} is required.")
        if raw is not None and declared.kind == "keyword":
            conditions.append(_keyword(declared, raw, args.get(declared.target)))
        elif raw is not None:
            condition = _condition(resource, declared, raw, zone)
            conditions.append(condition if dated or declared.kind not in _RANGES else false())
    # Cafe24 documents no page of an order's items or a product's variants (orders-items.md,
    # products-variants.md): there limit and offset are parameters it does not know, ignored.
    limit, offset = DEFAULT_LIMIT, 0
    if resource.kind != EMBEDDED:
        limit = _int_arg(args, "limit", resource.default_limit, 1, resource.max_limit)
        offset = _int_arg(args, "offset", 0, 0, resource.max_offset)
    return Query(
        tuple(conditions),
        limit,
        offset,
        _fields(resource, args.get("fields")),
        _embed(resource, args.get("embed")),
    )


_RANGES = ("date_from", "date_to")


def _ranges_apply(resource: Resource, args: Mapping[str, str]) -> bool:
    """False when a ``date_type`` names a date other than the one the ranges read."""
    for declared in resource.filters:
        if declared.kind == "date_type" and args.get(declared.name) is not None:
            return args[declared.name] == declared.choices[0]
    return True


def read_options(resource: Resource, args: Mapping[str, str]) -> Query:
    """``fields`` and ``embed`` of a read of one record."""
    fields, embed = _fields(resource, args.get("fields")), _embed(resource, args.get("embed"))
    return Query(fields=fields, embed=embed)


def numbers(args: Mapping[str, str], name: str) -> frozenset[int] | None:
    """A comma list of numbers (``product_no=1,3``) read on its own; ``None`` when absent."""
    raw = args.get(name)
    if raw is None:
        return None
    return frozenset(_int(name, value, 1) for value in _values(name, raw))


def _condition(resource: Resource, declared: Filter, raw: str, zone: ZoneInfo) -> Any:
    name, kind, records = declared.name, declared.kind, AdminRecord
    if kind == "shop":
        return true_or_nothing(_int(name, raw, 1) == 1)
    if kind == "numbers":
        wanted = [_int(name, value, 1) for value in _values(name, raw)]
        if declared.field is None:
            return records.record_no.in_(wanted)
        field, anywhere = _json_field(declared.target)
        return anywhere(jsonsql.number(field).in_(wanted))
    if kind == "since":
        return records.record_no > _int(name, raw, 0)
    if kind in ("codes", "order_ids"):
        return _by_keys(resource, declared, raw, zone)
    if kind == "lookup":
        return records.lookup.in_(_values(name, raw))
    if kind in _RANGES:
        column = getattr(records, declared.target)
        start, end = _moment(name, raw, zone)
        return column >= start if kind == "date_from" else column < end
    if kind in ("date_type", "choice"):
        if raw not in declared.choices:
            raise Invalid(name, f"{name} must be one of {', '.join(declared.choices)}.")
        return true()
    field, anywhere = _json_field(declared.target)
    if kind == "flag":
        if raw not in FLAGS:
            raise Invalid(name, f'{name} must be "T" or "F".')
        return anywhere(field == raw)
    if kind == "flags":
        wanted = _values(name, raw)
        if not set(wanted) <= set(FLAGS):
            raise Invalid(name, f'{name} must be "T", "F" or a comma list of them.')
        return anywhere(field.in_(wanted))
    if kind == "in":
        return anywhere(field.in_(_values(name, raw)))
    if kind == "contains":
        lowered = func.lower(field)
        values = _values(name, raw)
        return anywhere(or_(*(lowered.contains(v.lower(), autoescape=True) for v in values)))
    if kind == "int":
        return anywhere(jsonsql.number(field) == _int(name, raw, 0))
    if kind in ("min", "max"):
        amount = Decimal(money(name, raw))
        value = jsonsql.number(field)
        return anywhere(value >= amount if kind == "min" else value <= amount)
    raise AssertionError(kind)  # pragma: no cover


def _keyword(declared: Filter, raw: str, search: str | None) -> Any:
    """``keyword``: a part of the text, in any case, of the field ``search`` picks."""
    name, picker = declared.name, declared.target
    target = dict(declared.searched).get(search or "")
    if target is None:
        choices = ", ".join(choice for choice, _ in declared.searched)
        raise Invalid(picker, f"{picker} must be one of {choices} with {name}.")
    if not raw.strip() or len(raw) > _MAX_VALUE or "\x00" in raw:
        raise Invalid(name, f"{name} must be a text of 1 to {_MAX_VALUE} characters.")
    wanted = raw.strip().lower()
    number, _, other = target.partition("->")
    if not other:
        return func.lower(AdminRecord.data[target].as_string()).contains(wanted, autoescape=True)
    # Another record's text (the article's product's name): that record, in the same mall.
    named = aliased(AdminRecord)
    kind, _, field = other.partition(".")
    return (
        select(1)
        .where(
            named.mall_pk == AdminRecord.mall_pk,
            named.resource == kind,
            named.record_no == jsonsql.number(AdminRecord.data[number].as_string()),
            func.lower(named.data[field].as_string()).contains(wanted, autoescape=True),
        )
        .exists()
    )


def _json_field(target: str) -> tuple[Any, Callable[[Any], Any]]:
    """The text of the JSON field ``target`` of a record, and what makes a condition on it
    one on the record: itself, or, for ``list[].key`` and ``list[]``, that some element of
    the list meets it (an EXISTS over the array's elements, within the row)."""
    if "[]" not in target:
        return AdminRecord.data[target].as_string(), lambda condition: condition
    name, _, key = target.partition("[]")
    elements = jsonsql.elements(AdminRecord.data, name).table_valued("value").alias()
    text = jsonsql.element_text(elements.c.value, key.lstrip(".") or None)
    return text, lambda condition: select(1).select_from(elements).where(condition).exists()


def true_or_nothing(matches: bool) -> Any:
    """No condition when ``matches``, else one that no row meets."""
    return true() if matches else false()


def _by_keys(resource: Resource, declared: Filter, raw: str, zone: ZoneInfo) -> Any:
    """``brand_code=...`` or ``order_id=...``: the numbers the keys name (and an order's day)."""
    wanted = []
    for value in _values(declared.name, raw):
        key = keys.read(resource, value)
        if key is None or key.number is None:
            raise Invalid(declared.name, f"{declared.name}: {value} is not a {declared.target}.")
        condition = AdminRecord.record_no == key.number
        if key.day is not None:
            start, end = keys.day_bounds(key.day, zone)
            condition = and_(
                condition, AdminRecord.created_date >= start, AdminRecord.created_date < end
            )
        wanted.append(condition)
    return or_(*wanted)


def _values(name: str, raw: str) -> list[str]:
    values = [value.strip() for value in raw.split(",")]
    if not all(values) or len(values) > MAX_LIST:
        raise Invalid(name, f"{name} must be a comma-separated list of 1 to {MAX_LIST} values.")
    if any(len(value) > _MAX_VALUE or "\x00" in value for value in values):
        raise Invalid(name, f"{name} has a value that is too long or not text.")
    return values


def _int(name: str, raw: str, minimum: int) -> int:
    return _bounded(name, raw, minimum, MAX_INT)


def _moment(name: str, raw: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A day (the whole day in the mall's zone) or a date-time, as naive-UTC [start, end)."""
    try:
        if _DAY.fullmatch(raw):
            return keys.day_bounds(date.fromisoformat(raw), zone)
        moment = datetime.fromisoformat(raw.replace(" ", "T"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        naive = keys.naive_utc(moment)
        return naive, naive + timedelta(seconds=1)  # dates are kept to the second
    except ValueError:
        raise Invalid(name, f"{name} must be a date (2024-01-31) or a date-time.") from None
    except OverflowError:  # 0001-01-01 in UTC, the day after 9999-12-31: no datetime holds it
        raise Invalid(name, f"{name} is out of range.") from None


def _int_arg(args: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    return _bounded(name, raw, minimum, maximum)


def _bounded(name: str, raw: str, minimum: int, maximum: int) -> int:
    if not _INT.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise Invalid(name, f"{name} must be an integer from {minimum} to {maximum}.")
    return int(raw)


def _fields(resource: Resource, raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    names = _values("fields", raw)
    known = answer_keys(resource)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise Invalid("fields", f"fields: {unknown[0]} is not a field of {resource.singular}.")
    return frozenset(names)


def _embed(resource: Resource, raw: str | None) -> frozenset[str]:
    if raw is None:
        return frozenset()
    names = _values("embed", raw)
    unknown = [name for name in names if name not in resource.embeds]
    if unknown:
        raise Invalid("embed", f"embed: {unknown[0]} cannot be embedded in {resource.key}.")
    return frozenset(names)
