"""SAP documents back: confirmations, inbound deliveries, supplier invoices

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "sap_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("sap_number", text(length=32), nullable=True),
        sa.Column("fiscal_year", text(length=4), nullable=True),
        sa.Column("etag", text(length=128), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "document_id", "kind", name="uq_sap_documents_document_kind"
        ),
    )
    op.create_index("ix_sap_documents_order_id", "sap_documents", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_sap_documents_order_id", table_name="sap_documents")
    op.drop_table("sap_documents")
