"""What the gateway knows about the documents it created in a client's SAP.

SAP numbers an inbound delivery or a supplier invoice itself, and guards an inbound
delivery with a version (the ETag) that every later change must quote in
``If-Match``. One row per Komus document sent to SAP keeps that answer, and, for a
shipment, the quantities it carried per order line, because Komus reports shipped
quantities per order, not per shipment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow


class SapDocument(SQLModel, table=True):
    __tablename__ = "sap_documents"
    __table_args__ = (
        UniqueConstraint("document_id", "kind", name="uq_sap_documents_document_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    order_id: int = Field(foreign_key="orders.id", index=True)
    document_id: int = Field(foreign_key="documents.id")
    kind: str = Field(max_length=16)  # shipment, invoice
    sap_number: str | None = Field(default=None, max_length=32)
    fiscal_year: str | None = Field(default=None, max_length=4)
    etag: str | None = Field(default=None, max_length=128)
    # {"lines": {line_no: quantity}, "items": {line_no: {"item": .., "etag": ..}}}
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
