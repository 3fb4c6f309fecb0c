"""admin_records get ``lookup`` and the indexes Cafe24's list filters use.

Revision ID: 7d2c4e9a1b30
Revises: b7e2c4a91d03
Create Date: 2026-12-03 12:50:00

Issue 18: lists and counts honour Cafe24's filters in the database. ``lookup`` is the copy of
the one text field a resource is looked up and filtered by (``member_id`` of customers, carts
and orders), indexed with (mall_pk, resource); (mall_pk, resource, created_date) serves the
date ranges. Existing rows get their ``lookup`` from their data here, and their values in
Cafe24's format, so that filters match them as they match new rows: JSON booleans become
``"T"``/``"F"`` and the amounts of the earlier format (``price``, ``supply_price``,
``benefit_amount``) two-decimal strings. One pass over the table, in Python.

Reviewed: a nullable column is a metadata change on PostgreSQL; the two indexes are built on
the one table (CREATE INDEX locks writes to admin_records while it runs: seconds for a
demo-sized table). On SQLite batch mode copies the table.
"""

import json
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d2c4e9a1b30"
down_revision = "b7e2c4a91d03"
branch_labels = None
depends_on = None

#: The resources whose ``member_id`` is their lookup (``Resource.lookup`` at this revision).
LOOKUP_RESOURCES = ("customers", "carts", "orders")
#: The money fields of the earlier format (JSON numbers then).
MONEY_FIELDS = ("price", "supply_price", "benefit_amount")


def upgrade():
    with op.batch_alter_table("admin_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lookup", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_admin_records_lookup", ["mall_pk", "resource", "lookup", "record_no"], unique=False
        )
        batch_op.create_index(
            "ix_admin_records_created", ["mall_pk", "resource", "created_date"], unique=False
        )
    records = sa.table(
        "admin_records",
        sa.column("id", sa.Integer),
        sa.column("resource", sa.String),
        sa.column("data", sa.JSON),
        sa.column("lookup", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(records.c.id, records.c.resource, records.c.data))
    for row_id, resource, data in rows.all():
        if isinstance(data, str):
            data = json.loads(data)
        data = data or {}
        changed = {name: _cafe24(name, value) for name, value in data.items()}
        values = {}
        if changed != data:
            values["data"] = changed
        member_id = changed.get("member_id")
        if resource in LOOKUP_RESOURCES and isinstance(member_id, str):
            values["lookup"] = member_id[:64]
        if values:
            connection.execute(records.update().where(records.c.id == row_id).values(**values))


def _cafe24(name, value):
    if isinstance(value, bool):
        return "T" if value else "F"
    if name in MONEY_FIELDS and isinstance(value, int | float):
        return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return value


def downgrade():
    with op.batch_alter_table("admin_records", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_records_created")
        batch_op.drop_index("ix_admin_records_lookup")
        batch_op.drop_column("lookup")
