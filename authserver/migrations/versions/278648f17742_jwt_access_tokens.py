"""JWT access tokens (RFC 9068): apps.token_format (existing apps stay opaque) and signing_keys.

Revision ID: 278648f17742
Revises: 92bade4a096e
Create Date: 2026-11-26 18:51:48.841332

Reviewed: ``token_format`` is NOT NULL with the server default ``opaque``, so the ALTER fills
existing rows (SQLite rebuilds the table in batch mode); ``signing_keys.kid`` is unique.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "278648f17742"
down_revision = "92bade4a096e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=10), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_format", sa.String(length=10), server_default="opaque", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("token_format")

    op.drop_table("signing_keys")
