"""claims about order lines; notification preferences and digests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    scaled = gateway.store.types.ScaledDecimal
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", text(length=16), nullable=False),
        sa.Column("text", text(), nullable=False),
        sa.Column("komus_claim_id", text(length=64), nullable=True),
        sa.Column("komus_status", text(length=64), nullable=True),
        sa.Column("answer", text(), nullable=True),
        sa.Column("error", text(), nullable=True),
        sa.Column("created_by", text(length=128), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("submitted_at", moment(), nullable=True),
        sa.Column("answered_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claims_tenant_created", "claims", ["tenant_id", "created_at"])
    op.create_index("ix_claims_order_id", "claims", ["order_id"])
    op.create_index("ix_claims_status", "claims", ["status"])
    op.create_table(
        "claim_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("article", text(length=32), nullable=False),
        sa.Column("quantity", scaled(3), nullable=False),
        sa.Column("reason", text(length=16), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claim_lines_claim_id", "claim_lines", ["claim_id"])
    op.create_table(
        "claim_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("filename", text(length=255), nullable=False),
        sa.Column("content_type", text(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("checksum", text(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claim_photos_claim_id", "claim_photos", ["claim_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=True),
        sa.Column("email", text(length=254), nullable=True),
        sa.Column("modes", sa.JSON(), nullable=False),
        sa.Column("price_threshold_percent", scaled(2), nullable=False),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index(
        "ix_notification_preferences_tenant_id",
        "notification_preferences",
        ["tenant_id"],
    )
    op.create_table(
        "notification_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("sent_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_digest_items_pending",
        "notification_digest_items",
        ["user_id", "sent_at"],
    )
    op.create_table(
        "notification_known_prices",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("article", text(length=32), nullable=False),
        sa.Column("price", scaled(2), nullable=False),
        sa.Column("seen_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "article"),
    )
    op.create_table(
        "notification_seen_promotions",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("promotion_id", text(length=64), nullable=False),
        sa.Column("seen_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "promotion_id"),
    )


def downgrade() -> None:
    for table in (
        "notification_seen_promotions",
        "notification_known_prices",
        "notification_digest_items",
        "notification_preferences",
        "claim_photos",
        "claim_lines",
        "claims",
    ):
        op.drop_table(table)
