"""Cafe24's wire format for Admin API fields: the field types, their checks and their answers.

One type per kind of value Cafe24 documents, each with how a request's value is checked and
stored and how a stored value is answered:

- ``FLAG``: ``"T"``/``"F"``, stored and answered so; JSON ``true``/``false`` are accepted too
  (and stored as ``"T"``/``"F"``), so clients of the earlier format keep working; a field's
  ``aliases`` are the other values Cafe24 documents for it in a request (coupons' ``"D"``).
- ``MONEY``: a decimal string with two places (``"1100.00"``); a request may send a string
  (``"1100"``, ``"1100.5"``) or a JSON number; stored as the two-decimal string, so an answer
  needs no conversion and a value never passes through a binary float.
- ``DATETIME``: ISO 8601 with an offset, as Cafe24 writes dates; stored as given.
- ``STR``/``TEXT``/``INT``/``STR_LIST``/``INT_LIST``/``ITEMS``, and ``OBJECT``/``LIST`` for
  Cafe24's nested values (``shipping_fee_detail``...) the server keeps without interpreting.

Answers go through :func:`answer`, which also turns values stored by the earlier format
(``true``, ``39000``) into Cafe24's, so rows written before the change answer the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

STR = "str"
TEXT = "text"
INT = "int"
MONEY = "money"
#: A percentage or rate Cafe24 writes as a decimal string of its own precision
#: (``benefit_percentage`` ``"20.0"``): stored and answered as that string.
NUMBER = "number"
FLAG = "flag"
DATETIME = "datetime"
STR_LIST = "str_list"
INT_LIST = "int_list"
ITEMS = "items"
OBJECT = "object"
LIST = "list"

#: Integers stay within what every JSON client and a 32-bit column can hold.
MAX_INT = 2**31 - 1
#: Money and numbers: beyond this a client reading a JSON number loses cents in a double.
MAX_NUMBER = 10**15
_MAX_LENGTH = {STR: 255, TEXT: 5000}
MAX_LIST = 100
#: A nested value Cafe24 documents (an object or a list), as its JSON text: bounded.
_MAX_NESTED = 20_000
_CENTS = Decimal("0.01")
_MONEY_TEXT = re.compile(r"-?[0-9]{1,16}(\.[0-9]{1,2})?")
FLAGS = ("T", "F")


@dataclass(frozen=True)
class Field:
    name: str
    type: str = STR
    required: bool = False
    #: ``"products"``: an integer that must be the ``product_no`` of an existing product.
    ref: str | None = None
    #: Shown only when the list or read asks for it with ``embed=<name>`` (orders' ``items``).
    embedded: bool = False
    #: Set by the server (a script tag's ``client_id``, an article's ``board_no``): shown in
    #: answers, refused by name in a request.
    read_only: bool = False
    #: The actions whose answer Cafe24 shows without it (``"update"``: a board's PUT answer
    #: has no ``use_report``; ``"get"``: one activity log entry has no ``mode``).
    omitted_in: frozenset[str] = frozenset()
    #: Cafe24's documented ``DEFAULT``: stored by a create that leaves the field unset (a
    #: coupon's ``available_scope`` ``"O"``), so answers and filters see it as Cafe24's do.
    default: str | None = None
    #: The only values a text field takes (a point's ``type``: ``increase`` or ``decrease``).
    choices: tuple[str, ...] = ()
    #: The least an integer field takes when it is not 0 (an order item's ``quantity``: 1);
    #: a ``ref`` is at least 1 anyway.
    minimum: int | None = None
    #: A flag's values a request may send that Cafe24 documents as another stored value, as
    #: ``(sent, stored)`` pairs: Coupon management's ``deleted`` ``"D"`` deletes the coupon,
    #: which its list then answers as ``deleted`` ``"T"``.
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def least(self) -> int:
        """The smallest integer the field accepts."""
        return self.minimum if self.minimum is not None else 1 if self.ref else 0


class Invalid(ValueError):
    """A request the API answers with 422; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def check(f: Field, value: Any) -> Any:
    """The value of ``f`` to store, from a request; ``Invalid`` names the field when bad."""
    if value is None:
        if f.required:
            raise Invalid(f.name, f"{f.name} is required.")
        return None
    kind = f.type
    if kind in (STR, TEXT):
        text = string(f.name, value, _MAX_LENGTH[kind])
        if f.choices and text not in f.choices:
            raise Invalid(f.name, f"{f.name} must be one of {', '.join(f.choices)}.")
        return text
    if kind == INT:
        return integer(f.name, value, minimum=f.least)
    if kind == FLAG:
        return flag(f.name, value, dict(f.aliases))
    if kind == MONEY:
        return money(f.name, value)
    if kind == NUMBER:
        return _number(f.name, value)
    if kind == DATETIME:
        return _datetime(f.name, value)
    if kind == STR_LIST:
        _list_of(f.name, value, "strings")
        return [string(f"{f.name}[{i}]", item, _MAX_LENGTH[STR]) for i, item in enumerate(value)]
    if kind == INT_LIST:
        _list_of(f.name, value, "integers")
        return [integer(f"{f.name}[{i}]", item) for i, item in enumerate(value)]
    if kind == ITEMS:
        return _items(f.name, value)
    if kind in (OBJECT, LIST):
        return _nested(f.name, value, dict if kind == OBJECT else list)
    raise AssertionError(kind)  # pragma: no cover


def answer(f: Field, value: Any) -> Any:
    """A stored value as Cafe24 answers it (values of the earlier format converted)."""
    if value is None:
        return None
    if f.type == FLAG and isinstance(value, bool):
        return "T" if value else "F"
    if f.type == MONEY and not isinstance(value, str):
        return money_text(Decimal(str(value)))
    if f.type == NUMBER and not isinstance(value, str):
        return format(Decimal(str(value)), "f")
    return value


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(_CENTS, rounding=ROUND_HALF_UP))


def string(name: str, value: Any, max_length: int = _MAX_LENGTH[STR]) -> str:
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be a string.")
    if len(value) > max_length:
        raise Invalid(name, f"{name} must be at most {max_length} characters.")
    if "\x00" in value:
        raise Invalid(name, f"{name} must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(name, f"{name} is not valid Unicode.") from None
    return value


def integer(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(name, f"{name} must be an integer.")
    if not minimum <= value <= MAX_INT:
        raise Invalid(name, f"{name} must be an integer from {minimum} to {MAX_INT}.")
    return value


def flag(name: str, value: Any, aliases: dict[str, str] | None = None) -> str:
    """``"T"``/``"F"`` (or ``true``/``false``), or one of ``aliases`` as the flag it stands for."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if aliases and isinstance(value, str) and value in aliases:
        return aliases[value]
    if value not in FLAGS:
        *others, last = (f'"{v}"' for v in (*FLAGS, *(aliases or ())))
        raise Invalid(name, f"{name} must be {', '.join(others)} or {last}.")
    return value


def money(name: str, value: Any) -> str:
    """``"1100"``, ``1100``, ``1100.5`` -> ``"1100.00"``, ``"1100.50"``; not negative."""
    if isinstance(value, bool):
        raise Invalid(name, f'{name} must be a decimal amount such as "1100.00".')
    if isinstance(value, str):
        if not _MONEY_TEXT.fullmatch(value):
            raise Invalid(name, f'{name} must be a decimal amount such as "1100.00".')
        amount = Decimal(value)
    elif isinstance(value, int | float):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a float is always a decimal
            raise Invalid(name, f"{name} is out of range.") from None
        if not amount.is_finite():
            raise Invalid(name, f"{name} is out of range.")
    else:
        raise Invalid(name, f'{name} must be a decimal amount such as "1100.00".')
    if abs(amount) > MAX_NUMBER:
        raise Invalid(name, f"{name} is out of range.")
    if amount < 0:
        raise Invalid(name, f"{name} must not be negative.")
    return money_text(amount)


def _number(name: str, value: Any) -> str:
    """``"20.0"``, ``20``, ``20.5`` -> ``"20.0"``, ``"20"``, ``"20.5"``; not negative."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(name, f'{name} must be a decimal number such as "20.0".')
    if isinstance(value, str) and not _MONEY_TEXT.fullmatch(value):
        raise Invalid(name, f'{name} must be a decimal number such as "20.0".')
    # An int is compared exactly: a float conversion would overflow on 10**400.
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        raise Invalid(name, f"{name} is out of range.")
    amount = Decimal(str(value))
    if not amount.is_finite() or abs(amount) > MAX_NUMBER:
        raise Invalid(name, f"{name} is out of range.")
    if amount < 0:
        raise Invalid(name, f"{name} must not be negative.")
    return format(amount, "f")  # never an exponent: 1e-07 is "0.0000001"


def _datetime(name: str, value: Any) -> str:
    text = string(name, value, 40)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(name, f"{name} must be a date such as 2024-01-31T09:00:00+09:00.") from None
    return text


def _list_of(name: str, value: Any, what: str) -> None:
    if not isinstance(value, list) or not value or len(value) > MAX_LIST:
        raise Invalid(name, f"{name} must be a list of 1 to {MAX_LIST} {what}.")


def _nested(name: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise Invalid(name, f"{name} must be a JSON {'object' if kind is dict else 'array'}.")
    if len(json.dumps(value)) > _MAX_NESTED:
        raise Invalid(name, f"{name} is too large.")
    _texts_are_storable(name, value)
    return value


def _texts_are_storable(name: str, value: Any) -> None:
    """Every key and string inside ``value`` passes :func:`string`'s checks: a NUL or a lone
    surrogate anywhere in a record's JSON makes PostgreSQL refuse every JSON read of it."""
    if isinstance(value, str):
        string(name, value, _MAX_NESTED)
    elif isinstance(value, dict):
        for key, item in value.items():
            string(name, key, _MAX_NESTED)
            _texts_are_storable(f"{name}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _texts_are_storable(f"{name}[{index}]", item)


def _items(name: str, value: Any) -> list[dict[str, int]]:
    _list_of(name, value, "items")
    items = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(item, dict) or set(item) != {"product_no", "quantity"}:
            raise Invalid(where, f"{where} must be an object with product_no and quantity.")
        items.append(
            {
                "product_no": integer(f"{where}.product_no", item["product_no"], minimum=1),
                "quantity": integer(f"{where}.quantity", item["quantity"], minimum=1),
            }
        )
    return items
