"""crm webhooks: inbound hooks, their inbox and deal states, outbound subscriptions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "crm_hooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("name", text(length=128), nullable=False),
        sa.Column("secret_hash", text(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("rotated_at", moment(), nullable=True),
        sa.Column("disabled_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_crm_hooks_tenant_id", "crm_hooks", ["tenant_id"])
    op.create_table(
        "crm_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("hook_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("event_key", text(length=255), nullable=False),
        sa.Column("deal_id", text(length=128), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("error", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("processed_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["hook_id"], ["crm_hooks.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "kind", "event_key", name="uq_crm_inbox_event"
        ),
    )
    op.create_index("ix_crm_inbox_state", "crm_inbox", ["state"])
    op.create_table(
        "crm_deals",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("deal_id", text(length=128), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("stage", text(length=128), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "deal_id"),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=False),
        sa.Column("url", text(length=4096), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", text(length=255), nullable=True),
        sa.Column("secret", text(length=128), nullable=False),
        sa.Column("previous_secret", text(length=128), nullable=True),
        sa.Column("previous_until", moment(), nullable=True),
        sa.Column("failing_since", moment(), nullable=True),
        sa.Column("disabled_at", moment(), nullable=True),
        sa.Column("disabled_reason", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_webhook_subscriptions_tenant_id", "webhook_subscriptions", ["tenant_id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
    op.drop_table("crm_deals")
    op.drop_table("crm_inbox")
    op.drop_table("crm_hooks")
