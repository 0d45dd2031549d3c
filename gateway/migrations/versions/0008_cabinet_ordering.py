"""cabinet ordering: carts, order templates, approvals, budgets

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gateway.store.types  # noqa: F401  (UTCDateTime on sqlmodel.sql.sqltypes)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    money = gateway.store.types.ScaledDecimal(2)
    quantity = gateway.store.types.ScaledDecimal(3)
    op.create_table(
        "cost_centers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("code", text(length=64), nullable=False),
        sa.Column("name", text(length=255), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("updated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_cost_centers_code"),
    )
    op.create_table(
        "cost_center_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("cost_center", text(length=64), nullable=False),
        sa.Column("month", text(length=7), nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("updated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "cost_center", "month", name="uq_cost_center_budgets_month"
        ),
    )
    op.create_table(
        "approval_rules",
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("order_limit", money, nullable=True),
        sa.Column("over_budget", sa.Boolean(), nullable=False),
        sa.Column("approver_role", text(length=16), nullable=True),
        sa.Column("approver_login", text(length=64), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("updated_by", text(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("requisition_id", sa.Integer(), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.Column("cost_center", text(length=64), nullable=True),
        sa.Column("month", text(length=7), nullable=False),
        sa.Column("reason", text(), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("approver_role", text(length=16), nullable=True),
        sa.Column("approver_login", text(length=64), nullable=True),
        sa.Column("requested_by", text(length=64), nullable=False),
        sa.Column("requested_by_name", text(length=128), nullable=False),
        sa.Column("decided_by", text(length=64), nullable=True),
        sa.Column("decided_by_name", text(length=128), nullable=True),
        sa.Column("decision_note", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("decided_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["requisition_id"], ["requisitions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("requisition_id"),
    )
    op.create_index("ix_approvals_tenant_id", "approvals", ["tenant_id"])
    op.create_index("ix_approvals_state", "approvals", ["state"])
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("owner", text(length=64), nullable=False),
        sa.Column("article", text(length=32), nullable=False),
        sa.Column("name", text(), nullable=False),
        sa.Column("unit_code", text(length=4), nullable=False),
        sa.Column("quantity", quantity, nullable=False),
        sa.Column("added_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "owner", "article", name="uq_cart_lines_article"
        ),
    )
    op.create_index("ix_cart_lines_owner", "cart_lines", ["owner"])
    op.create_table(
        "order_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", text(length=63), nullable=False),
        sa.Column("name", text(length=128), nullable=False),
        sa.Column("created_by", text(length=128), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_order_templates_name"),
    )
    op.create_table(
        "order_template_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("article", text(length=32), nullable=False),
        sa.Column("name", text(), nullable=False),
        sa.Column("unit_code", text(length=4), nullable=False),
        sa.Column("quantity", quantity, nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["order_templates.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_order_template_lines_template_id",
        "order_template_lines",
        ["template_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_order_template_lines_template_id", "order_template_lines")
    op.drop_table("order_template_lines")
    op.drop_table("order_templates")
    op.drop_index("ix_cart_lines_owner", "cart_lines")
    op.drop_table("cart_lines")
    op.drop_index("ix_approvals_state", "approvals")
    op.drop_index("ix_approvals_tenant_id", "approvals")
    op.drop_table("approvals")
    op.drop_table("approval_rules")
    op.drop_table("cost_center_budgets")
    op.drop_table("cost_centers")
