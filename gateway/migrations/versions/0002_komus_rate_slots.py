"""komus rate slots: the request budget of each Komus token, shared by all nodes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "komus_rate_slots",
        sa.Column(
            "token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", "slot"),
    )


def downgrade() -> None:
    op.drop_table("komus_rate_slots")
