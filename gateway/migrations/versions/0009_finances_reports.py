"""finances: invoices due, payments, balances, payment requests; reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    money = gateway.store.types.ScaledDecimal(2)
    op.create_table(
        "finance_accounts",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("terms_kind", text(length=16), nullable=True),
        sa.Column("terms_days", sa.Integer(), nullable=True),
        sa.Column("paysystem", text(length=128), nullable=True),
        sa.Column("payee", sa.JSON(), nullable=False),
        sa.Column("payments_since", sa.Date(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "finance_overdue_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outstanding", money, nullable=False),
        sa.Column("noticed_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
    )
    op.create_index(
        "ix_finance_overdue_notices_tenant_id",
        "finance_overdue_notices",
        ["tenant_id"],
    )
    # Reports group a tenant's documents by kind and date.
    op.create_index(
        "ix_documents_tenant_kind_date",
        "documents",
        ["tenant_id", "kind", "document_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_documents_tenant_kind_date", table_name="documents")
    op.drop_index(
        "ix_finance_overdue_notices_tenant_id", table_name="finance_overdue_notices"
    )
    op.drop_table("finance_overdue_notices")
    op.drop_table("finance_accounts")
