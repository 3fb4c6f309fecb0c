"""developers, reviewers and operators get session_epoch: login sessions the server can end.

Revision ID: 3c1e9a7d5b20
Revises: f5155fe1175e
Create Date: 2026-12-03 08:40:00

Every login session carries the epoch of its account and counts only while it is the current
one; logout and a new password bump it (issue 16, item 7). Existing sessions (from before the
epoch) are not valid afterwards: everyone logs in again once.

Reviewed: adding a NOT NULL column with a server default is a quick metadata change on
PostgreSQL 11+; on SQLite batch mode copies the three small account tables.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c1e9a7d5b20"
down_revision = "f5155fe1175e"
branch_labels = None
depends_on = None

TABLES = ("developers", "reviewers", "operators")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_epoch")
