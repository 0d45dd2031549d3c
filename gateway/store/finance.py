"""What the gateway keeps about a tenant's money with Komus beyond the documents.

Invoices and payments themselves are ``documents`` rows (kinds ``invoice`` and
``payment``); these tables add the payment terms Komus reported, the poll's
bookmark, and which invoices have already been announced overdue, so that the
announcement goes out once whatever node polls.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow
from gateway.store.tables import Document
from gateway.store.types import Money


class FinanceAccount(SQLModel, table=True):
    """A tenant's payment terms at Komus and how far its payments have been read."""

    __tablename__ = "finance_accounts"

    tenant_id: str = Field(primary_key=True, foreign_key="tenants.id", max_length=63)
    terms_kind: str | None = Field(default=None, max_length=16)  # deferred, prepayment
    terms_days: int | None = None
    paysystem: str | None = Field(default=None, max_length=128)
    payee: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    payments_since: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)


def _money() -> Any:
    return Field(default=Decimal(0), sa_column=Column(Money(), nullable=False))


class OverdueNotice(SQLModel, table=True):
    """An invoice announced overdue (``payment.overdue``); one row per invoice."""

    __tablename__ = "finance_overdue_notices"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    document_id: int = Field(foreign_key="documents.id", unique=True)
    due_on: date
    outstanding: Decimal = _money()
    noticed_at: datetime = Field(default_factory=utcnow)


Index(
    "ix_documents_tenant_kind_date",
    Document.tenant_id,
    Document.kind,
    Document.document_date,
)
"""Finances and reports read a tenant's invoices, УПД and payments by date."""
