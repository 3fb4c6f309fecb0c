"""Initial schema: every table of the models as of issue 6 (generated, then reviewed by hand).

Revision ID: 92bade4a096e
Revises:
Create Date: 2026-11-26 18:21:36.579609

Reviewed: the lookups on the hot paths are unique indexes (``tokens.access_token_hash``,
``tokens.refresh_token_hash``, ``authorization_codes.code_hash``, ``apps.client_id``,
``malls.mall_id``, ``installations (mall_pk, app_pk)``, ``gateway_clients.client_id``);
foreign keys carry the models' ``ondelete`` (CASCADE from malls, apps and developers; SET NULL
for a token's parent and code, which cleanup deletes); ``sa.JSON`` is ``JSON`` on SQLite and
``json`` on PostgreSQL, as the models declare. Constraint names follow the metadata's naming
convention (authserver/extensions.py), so later migrations can refer to them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "92bade4a096e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=True),
        sa.Column("mall_id", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_event"), ["event"], unique=False)

    op.create_table(
        "developers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developers")),
        sa.UniqueConstraint("email", name=op.f("uq_developers_email")),
    )
    op.create_table(
        "gateway_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_gateway_clients_client_id")),
    )
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewers")),
        sa.UniqueConstraint("email", name=op.f("uq_reviewers_email")),
    )
    op.create_table(
        "apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("developer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("app_type", sa.String(length=10), nullable=False),
        sa.Column("app_url", sa.String(length=255), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("operator_permission_url", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("icon", sa.LargeBinary(), nullable=True),
        sa.Column("icon_content_type", sa.String(length=32), nullable=True),
        sa.Column("secret_reissued_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"],
            ["developers.id"],
            name=op.f("fk_apps_developer_id_developers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apps")),
        sa.UniqueConstraint("client_id", name=op.f("uq_apps_client_id")),
    )
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apps_developer_id"), ["developer_id"], unique=False)

    op.create_table(
        "malls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mall_id", sa.String(length=64), nullable=False),
        sa.Column("test_mall_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["test_mall_of_id"],
            ["developers.id"],
            name=op.f("fk_malls_test_mall_of_id_developers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_malls")),
        sa.UniqueConstraint("mall_id", name=op.f("uq_malls_mall_id")),
    )
    with op.batch_alter_table("malls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_malls_test_mall_of_id"), ["test_mall_of_id"], unique=False
        )

    op.create_table(
        "admin_record_sequences",
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mall_pk"],
            ["malls.id"],
            name=op.f("fk_admin_record_sequences_mall_pk_malls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mall_pk", "resource", name=op.f("pk_admin_record_sequences")),
    )
    op.create_table(
        "admin_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("record_no", sa.Integer(), nullable=False),
        sa.Column("app_pk", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_date", sa.DateTime(), nullable=False),
        sa.Column("updated_date", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_pk"], ["apps.id"], name=op.f("fk_admin_records_app_pk_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mall_pk"],
            ["malls.id"],
            name=op.f("fk_admin_records_mall_pk_malls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_records")),
        sa.UniqueConstraint(
            "mall_pk",
            "resource",
            "record_no",
            name=op.f("uq_admin_records_mall_pk_resource_record_no"),
        ),
    )
    with op.batch_alter_table("admin_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_records_app_pk"), ["app_pk"], unique=False)

    op.create_table(
        "authorization_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("app_pk", sa.Integer(), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_pk"],
            ["apps.id"],
            name=op.f("fk_authorization_codes_app_pk_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mall_pk"],
            ["malls.id"],
            name=op.f("fk_authorization_codes_mall_pk_malls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_authorization_codes_code_hash")),
    )
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorization_codes_app_pk"), ["app_pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_authorization_codes_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("app_pk", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("operator_user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_pk"], ["apps.id"], name=op.f("fk_installations_app_pk_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mall_pk"],
            ["malls.id"],
            name=op.f("fk_installations_mall_pk_malls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installations")),
        sa.UniqueConstraint("mall_pk", "app_pk", name=op.f("uq_installations_mall_pk_app_pk")),
    )
    with op.batch_alter_table("installations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_installations_app_pk"), ["app_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_installations_mall_pk"), ["mall_pk"], unique=False)

    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["mall_pk"], ["malls.id"], name=op.f("fk_operators_mall_pk_malls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("mall_pk", "user_id", name=op.f("uq_operators_mall_pk_user_id")),
    )
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operators_mall_pk"), ["mall_pk"], unique=False)

    op.create_table(
        "authorization_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("operator_pk", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mall_pk"],
            ["malls.id"],
            name=op.f("fk_authorization_requests_mall_pk_malls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_pk"],
            ["operators.id"],
            name=op.f("fk_authorization_requests_operator_pk_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_requests")),
    )
    with op.batch_alter_table("authorization_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_authorization_requests_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code_pk", sa.Integer(), nullable=True),
        sa.Column("app_pk", sa.Integer(), nullable=False),
        sa.Column("mall_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("grant_scope", sa.Text(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(), nullable=True),
        sa.Column("access_revoked_at", sa.DateTime(), nullable=True),
        sa.Column("refresh_revoked_at", sa.DateTime(), nullable=True),
        sa.Column("rotated_at", sa.DateTime(), nullable=True),
        sa.Column("reused_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_pk"], ["apps.id"], name=op.f("fk_tokens_app_pk_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["code_pk"],
            ["authorization_codes.id"],
            name=op.f("fk_tokens_code_pk_authorization_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mall_pk"], ["malls.id"], name=op.f("fk_tokens_mall_pk_malls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["tokens.id"],
            name=op.f("fk_tokens_parent_id_tokens"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_tokens_refresh_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_app_pk"), ["app_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_tokens_code_pk"), ["code_pk"], unique=False)
        batch_op.create_index("ix_tokens_family", ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tokens_mall_pk"), ["mall_pk"], unique=False)
        batch_op.create_index("ix_tokens_parent", ["parent_id"], unique=False)


def downgrade():
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_tokens_parent")
        batch_op.drop_index(batch_op.f("ix_tokens_mall_pk"))
        batch_op.drop_index("ix_tokens_family")
        batch_op.drop_index(batch_op.f("ix_tokens_code_pk"))
        batch_op.drop_index(batch_op.f("ix_tokens_app_pk"))

    op.drop_table("tokens")
    with op.batch_alter_table("authorization_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_requests_expires_at"))

    op.drop_table("authorization_requests")
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operators_mall_pk"))

    op.drop_table("operators")
    with op.batch_alter_table("installations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installations_mall_pk"))
        batch_op.drop_index(batch_op.f("ix_installations_app_pk"))

    op.drop_table("installations")
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_codes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_authorization_codes_app_pk"))

    op.drop_table("authorization_codes")
    with op.batch_alter_table("admin_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_records_app_pk"))

    op.drop_table("admin_records")
    op.drop_table("admin_record_sequences")
    with op.batch_alter_table("malls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_malls_test_mall_of_id"))

    op.drop_table("malls")
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apps_developer_id"))

    op.drop_table("apps")
    op.drop_table("reviewers")
    op.drop_table("gateway_clients")
    op.drop_table("developers")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_event"))
        batch_op.drop_index(batch_op.f("ix_audit_events_created_at"))

    op.drop_table("audit_events")
