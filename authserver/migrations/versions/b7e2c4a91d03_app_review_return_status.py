"""apps get review_return_status: an approved app sent back to review keeps its installations.

Revision ID: b7e2c4a91d03
Revises: 3c1e9a7d5b20
Create Date: 2026-12-03 12:40:00

Cafe24: "when the App Secret Key is reissued, you need to be approved to properly use the app
again" (issue 18, item 8). The column holds for_sale or sold while such an app waits for the
reviewer, so that existing installations keep working and the approval returns a sold app to
sold. Existing rows start empty (no app is waiting for a re-review).

Reviewed: a nullable column without a default is a metadata change on PostgreSQL; on SQLite
batch mode copies the apps table.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2c4a91d03"
down_revision = "3c1e9a7d5b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_return_status", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_column("review_return_status")
