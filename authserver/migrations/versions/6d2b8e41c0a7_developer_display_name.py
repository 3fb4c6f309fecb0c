"""developers get display_name: the name operators see on the consent page (the email stays
private).

Revision ID: 6d2b8e41c0a7
Revises: 3c1e9a7d5b20
Create Date: 2026-12-03 12:20:00

Existing accounts get the local part of their email (before the ``@``), the same default a new
account without a chosen name gets (``models.accounts.default_display_name``); the developer can
change it in the Developer Center.

Reviewed: the column is added nullable, filled, then made NOT NULL; on PostgreSQL the fill is one
UPDATE over the (small) developers table, on SQLite batch mode copies it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6d2b8e41c0a7"
down_revision = "3c1e9a7d5b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
    developers = sa.table(
        "developers",
        sa.column("id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("display_name", sa.String()),
    )
    connection = op.get_bind()
    # Written in Python, not SQL: SQLite and PostgreSQL split strings differently.
    for row in connection.execute(sa.select(developers.c.id, developers.c.email)).all():
        name = row.email.partition("@")[0][:100] or "developer"
        connection.execute(
            developers.update().where(developers.c.id == row.id).values(display_name=name)
        )
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.alter_column("display_name", existing_type=sa.String(length=100), nullable=False)


def downgrade():
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.drop_column("display_name")
