"""CRM connector secrets sealed at rest; inbox leases

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("crm_inbox") as table:
        table.add_column(sa.Column("lease_expires_at", moment(), nullable=True))
        table.add_column(sa.Column("next_attempt_at", moment(), nullable=True))
        table.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
    # Sealed signing secrets are longer than the plain ``whsec_`` ones.
    with op.batch_alter_table("webhook_subscriptions") as table:
        table.alter_column(
            "secret", type_=text(length=512), existing_type=text(length=128)
        )
        table.alter_column(
            "previous_secret",
            type_=text(length=512),
            existing_type=text(length=128),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Sealed secrets do not fit the old width: downgrade only before they are sealed.
    with op.batch_alter_table("webhook_subscriptions") as table:
        table.alter_column(
            "previous_secret",
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=512),
            existing_nullable=True,
        )
        table.alter_column(
            "secret",
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=512),
        )
    with op.batch_alter_table("crm_inbox") as table:
        table.drop_column("attempts")
        table.drop_column("next_attempt_at")
        table.drop_column("lease_expires_at")
