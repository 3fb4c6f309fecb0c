"""coupons: authserver's ``benefit_amount`` is Cafe24's ``benefit_price``.

Revision ID: a4c1f0e27b65
Revises: 7d2c4e9a1b30
Create Date: 2026-12-03 16:00:00

Issue 18, point 2: a coupon shows Cafe24's property list (coupons.md), where the discount
amount is ``benefit_price``; ``benefit_amount``, the name authserver used, is no field any more
and a request naming it is a 422. A stored coupon keeps its amount under the new name (a
``benefit_price`` already set wins). Only data changes: one pass over the coupons, in Python;
the downgrade renames it back.

Reviewed: no DDL; it reads and rewrites only the ``coupons`` rows of admin_records.
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1f0e27b65"
down_revision = "7d2c4e9a1b30"
branch_labels = None
depends_on = None

_RECORDS = sa.table(
    "admin_records",
    sa.column("id", sa.Integer),
    sa.column("resource", sa.String),
    sa.column("data", sa.JSON),
)


def _rename(old: str, new: str) -> None:
    connection = op.get_bind()
    query = sa.select(_RECORDS.c.id, _RECORDS.c.data).where(_RECORDS.c.resource == "coupons")
    for row_id, data in connection.execute(query).all():
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict) or old not in data:
            continue
        data = dict(data)
        value = data.pop(old)
        if data.get(new) is None:
            data[new] = value
        connection.execute(_RECORDS.update().where(_RECORDS.c.id == row_id).values(data=data))


def upgrade():
    _rename("benefit_amount", "benefit_price")


def downgrade():
    _rename("benefit_price", "benefit_amount")
