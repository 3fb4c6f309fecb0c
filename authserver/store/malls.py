"""Malls (tenants): the plain value the views under ``/malls/<mall_id>/`` see, and creating one."""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import bindparam, select

from authserver.extensions import db
from authserver.models import Developer, Mall, Operator
from authserver.store.reads import reader

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


MALL_ID_RULE = "3 to 32 lowercase letters, digits or hyphens, starting with a letter"
MALL_ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{2,31}")


def mall_id_problem(mall_id: str) -> str | None:
    """Why ``mall_id`` cannot name a new mall, or ``None`` (the CLI and the test-mall form)."""
    if not MALL_ID_PATTERN.fullmatch(mall_id):
        return f"Use {MALL_ID_RULE}."
    if db.session.scalar(select(Mall.id).where(Mall.mall_id == mall_id)):
        return "This mall ID is taken."
    return None


def create_mall(mall_id: str, operator: str, password: str, test_mall_of: Developer | None) -> Mall:
    """A mall with its operator, committed (the CLI and the Developer Center's test malls)."""
    mall = Mall(mall_id=mall_id, test_mall_of=test_mall_of)
    account = Operator(user_id=operator, mall=mall)
    account.set_password(password)
    db.session.add_all([mall, account])
    db.session.commit()
    return mall
