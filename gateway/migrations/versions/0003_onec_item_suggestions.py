"""onec item suggestions: Komus articles proposed for a client's nomenclature

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "onec_item_suggestions"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("client_item_id", text(length=255), nullable=False),
        sa.Column("client_article", text(length=128), nullable=True),
        sa.Column("client_barcode", text(length=64), nullable=True),
        sa.Column("client_name", text(), nullable=True),
        sa.Column("article", text(length=32), nullable=True),
        sa.Column("komus_name", text(), nullable=True),
        sa.Column("method", text(length=16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("note", text(), nullable=True),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            "ix_onec_item_suggestions_tenant_state",
            ["tenant_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            "ix_onec_item_suggestions_item",
            ["tenant_id", "client_item_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_onec_item_suggestions_message_id"),
            ["message_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onec_item_suggestions_message_id"))
        batch_op.drop_index("ix_onec_item_suggestions_item")
        batch_op.drop_index("ix_onec_item_suggestions_tenant_state")
    op.drop_table(TABLE)
