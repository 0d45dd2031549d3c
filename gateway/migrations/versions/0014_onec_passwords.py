"""1C exchange passwords issued in the console, over config.yaml's

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "onec_passwords"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        TABLE,
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("password_hash", text(length=255), nullable=False),
        sa.Column("previous_hash", text(length=255), nullable=True),
        sa.Column("rotated_at", moment(), nullable=False),
        sa.Column("rotated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
