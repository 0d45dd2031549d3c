"""Claims about order lines: what went wrong, its photos, and Komus's answer.

A claim is ``queued`` until Komus has it, then mirrors Komus's status: ``new``,
``in_review``, and one of ``answered``, ``accepted`` or ``rejected``; ``failed``
when Komus refused the claim itself (the reason is in ``error``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow
from gateway.store.types import Quantity


class Claim(SQLModel, table=True):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_tenant_created", "tenant_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id")
    order_id: int = Field(foreign_key="orders.id", index=True)
    status: str = Field(default="queued", max_length=16, index=True)
    text: str
    komus_claim_id: str | None = Field(default=None, max_length=64)
    komus_status: str | None = Field(default=None, max_length=64)
    answer: str | None = None
    error: str | None = None
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    answered_at: datetime | None = None


class ClaimLine(SQLModel, table=True):
    __tablename__ = "claim_lines"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id")
    line_no: int
    article: str = Field(max_length=32)
    quantity: Decimal = Field(sa_column=Column(Quantity(), nullable=False))
    reason: str = Field(max_length=16)  # not_delivered, damaged, wrong_item, quality


class ClaimPhoto(SQLModel, table=True):
    """A photo as the client sent it; only JPEG and PNG proven by their bytes."""

    __tablename__ = "claim_photos"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=32)
    size: int
    checksum: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
