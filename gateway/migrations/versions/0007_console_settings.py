"""console settings: company requisites, delivery addresses, connector credentials

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "tenant_requisites",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("legal_name", text(), nullable=False),
        sa.Column("inn", text(length=12), nullable=False),
        sa.Column("kpp", text(length=9), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("updated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "tenant_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("code", text(length=64), nullable=False),
        sa.Column("address", text(), nullable=False),
        sa.Column("komus_address_id", text(length=64), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("updated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_tenant_addresses_code"),
    )


def downgrade() -> None:
    op.drop_table("tenant_addresses")
    op.drop_table("tenant_requisites")
