"""The neutral shapes that travel along the shared path.

A connector's reader turns its protocol's payload into ``SourceRecord``s; the inbound
mapping turns a record into a ``RequisitionDraft``; the pipeline stores the draft as a
requisition. None of these know which protocol they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass
class SourceRecord:
    """One document as the client's system said it, before any mapping."""

    tenant_id: str
    channel: str
    external_id: str
    payload: bytes
    revision: str = ""
    kind: str = "requisition"
    content_type: str = "application/json"
    filename: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.external_id}:{self.revision}"


@dataclass
class LineDraft:
    line_no: int
    quantity: Decimal
    unit_code: str = "796"
    client_item_code: str | None = None
    client_item_name: str | None = None
    article: str | None = None
    expected_price: Decimal | None = None
    vat_rate: str | None = None


@dataclass
class RequisitionDraft:
    """A requisition in canonical terms, not yet stored."""

    lines: list[LineDraft]
    number: str | None = None
    document_date: date | None = None
    delivery_address_code: str | None = None
    cost_center: str | None = None
    comment: str | None = None
    currency: str = "RUB"
    cancelled: bool = False
    problems: list[str] = field(default_factory=list)
    """What the mapping could not read; the requisition is held with these reasons."""
