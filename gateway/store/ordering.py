"""Tables of ordering from the catalog: carts, order templates, cost centres,
budgets, approval rules and the approvals they cause.

A cart line belongs to one owner inside one tenant: a console user
(``user:<id>``) or an API token (``token:<id>``), so two people of one company
never fill each other's cart. Quantities and amounts use the same exact scaled
columns as requisitions and orders.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow
from gateway.store.types import Money, Quantity


def _money(nullable: bool) -> Any:
    return Field(default=None, sa_column=Column(Money(), nullable=nullable))


def _quantity() -> Any:
    return Field(sa_column=Column(Quantity(), nullable=False))


class CostCenter(SQLModel, table=True):
    """A tenant's cost centre (место возникновения затрат): a code and a name."""

    __tablename__ = "cost_centers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", name="uq_cost_centers_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    code: str = Field(max_length=64)
    name: str = Field(max_length=255)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=128)


class Budget(SQLModel, table=True):
    """How much a cost centre may spend in one calendar month (``YYYY-MM``)."""

    __tablename__ = "cost_center_budgets"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "cost_center", "month", name="uq_cost_center_budgets_month"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    cost_center: str = Field(max_length=64)
    month: str = Field(max_length=7)
    amount: Decimal = _money(nullable=False)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=128)


class ApprovalRule(SQLModel, table=True):
    """When a tenant's catalog orders wait for approval, and who gives it.

    ``order_limit`` holds orders whose total is above it; ``over_budget`` holds
    orders that would take a cost centre past its month's remaining budget. The
    approver is a console login when ``approver_login`` is set, else anyone with
    ``approver_role`` (admins may always approve).
    """

    __tablename__ = "approval_rules"

    tenant_id: str = Field(primary_key=True, foreign_key="tenants.id", max_length=63)
    order_limit: Decimal | None = _money(nullable=True)
    over_budget: bool = True
    approver_role: str | None = Field(default=None, max_length=16)
    approver_login: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=128)


class Approval(SQLModel, table=True):
    """A catalog order held until someone other than its author approves it."""

    __tablename__ = "approvals"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63, index=True)
    requisition_id: int = Field(foreign_key="requisitions.id", unique=True)
    state: str = Field(default="pending", max_length=16, index=True)
    amount: Decimal = _money(nullable=False)
    cost_center: str | None = Field(default=None, max_length=64)
    month: str = Field(max_length=7)
    reason: str
    """The hold reason as the requisition carries it."""
    causes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approver_role: str | None = Field(default=None, max_length=16)
    approver_login: str | None = Field(default=None, max_length=64)
    requested_by: str = Field(max_length=64)
    requested_by_name: str = Field(max_length=128)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_by_name: str | None = Field(default=None, max_length=128)
    decision_note: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class CartLine(SQLModel, table=True):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "owner", "article", name="uq_cart_lines_article"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    owner: str = Field(max_length=64, index=True)
    article: str = Field(max_length=32)
    name: str = ""
    unit_code: str = Field(default="796", max_length=4)
    quantity: Decimal = _quantity()
    added_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OrderTemplate(SQLModel, table=True):
    """A saved cart a tenant orders again and again ("канцелярия на месяц")."""

    __tablename__ = "order_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", name="uq_order_templates_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    name: str = Field(max_length=128)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OrderTemplateLine(SQLModel, table=True):
    __tablename__ = "order_template_lines"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="order_templates.id", index=True)
    article: str = Field(max_length=32)
    name: str = ""
    unit_code: str = Field(default="796", max_length=4)
    quantity: Decimal = _quantity()
