"""Malls (tenants) as the views under ``/malls/<mall_id>/`` see them: a small plain value."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select

from ..models import Mall
from .reads import reader

_MALLS = Mall.__table__
MAX_MALL_ID_LENGTH = 64


class MallRef(NamedTuple):
    """The columns of a mall the views use; a mall never changes once created.

    A plain value, not an ORM entity: a view that needs the ``Mall`` itself (its operators,
    say) gets it with ``db.session.get(Mall, g.mall.id)``.
    """

    id: int
    mall_id: str
    test_mall_of_id: int | None


MALL_COLUMNS = (_MALLS.c.id, _MALLS.c.mall_id, _MALLS.c.test_mall_of_id)
FIND = select(*MALL_COLUMNS).where(_MALLS.c.mall_id == bindparam("mall_id"))


def valid_mall_id(mall_id: str | None) -> bool:
    """Whether ``mall_id`` could name a mall at all (PostgreSQL refuses text with a NUL)."""
    return bool(mall_id) and len(mall_id) <= MAX_MALL_ID_LENGTH and "\x00" not in mall_id


def find_mall(mall_id: str) -> MallRef | None:
    """The mall with ``mall_id``, as this request has it or by one indexed read."""
    if not valid_mall_id(mall_id):
        return None

    def load() -> MallRef | None:
        row = reader().first(FIND, {"mall_id": mall_id})
        return None if row is None else MallRef(row.id, row.mall_id, row.test_mall_of_id)

    return reader().lookup("mall", mall_id, load)
