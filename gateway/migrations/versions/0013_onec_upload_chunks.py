"""1C uploads kept in chunks outside the message row

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


TABLE = "message_chunks"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
