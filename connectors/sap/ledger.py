"""The gateway's own record of what it created in SAP (table ``sap_documents``).

Two things cannot be read back from the store otherwise: how much of each order line
one Komus shipment carried (Komus reports shipped quantities per order, summed over
shipments), and what SAP answered a create with: the inbound delivery's number, its
items and their ETags, or the supplier invoice's number and fiscal year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gateway.clock import utcnow
from gateway.store.database import Database
from gateway.store.sap import SapDocument

SHIPMENT, INVOICE = "shipment", "invoice"


def shipment_lines(
    session: Session,
    *,
    tenant_id: str,
    order_id: int,
    document_id: int,
    shipped: dict[int, Decimal],
) -> dict[int, Decimal]:
    """This shipment's quantity per line: shipped so far less earlier shipments.

    Kept with the shipment on first sight, so a replayed event finds the same figures.
    """
    rows = _rows(session, order_id, SHIPMENT)
    for row in rows:
        if row.document_id == document_id:
            return quantities(row)
    before: dict[int, Decimal] = {}
    for row in rows:
        for line, quantity in quantities(row).items():
            before[line] = before.get(line, Decimal(0)) + quantity
    lines = {
        line: quantity - before.get(line, Decimal(0))
        for line, quantity in shipped.items()
        if quantity - before.get(line, Decimal(0)) > 0
    }
    session.add(
        SapDocument(
            tenant_id=tenant_id,
            order_id=order_id,
            document_id=document_id,
            kind=SHIPMENT,
            details={"lines": {str(k): str(v) for k, v in lines.items()}},
        )
    )
    session.flush()
    return lines


def shipments(session: Session, order_id: int) -> list[SapDocument]:
    return _rows(session, order_id, SHIPMENT)


def _rows(session: Session, order_id: int, kind: str) -> list[SapDocument]:
    return list(
        session.execute(
            select(SapDocument)
            .where(SapDocument.order_id == order_id, SapDocument.kind == kind)
            .order_by(SapDocument.id)
        ).scalars()
    )


def quantities(row: SapDocument) -> dict[int, Decimal]:
    return {int(k): Decimal(v) for k, v in (row.details.get("lines") or {}).items()}


def remember_created(
    db: Database,
    *,
    tenant_id: str,
    order_id: int,
    document_id: int,
    kind: str,
    number: str,
    fiscal_year: str | None = None,
    etag: str | None = None,
    items: dict[str, dict[str, Any]] | None = None,
) -> None:
    """What SAP answered a create with, on the document's row."""
    with db.session() as session:
        row = _row(session, document_id, kind)
        if row is None:
            row = SapDocument(
                tenant_id=tenant_id,
                order_id=order_id,
                document_id=document_id,
                kind=kind,
            )
            session.add(row)
        row.sap_number = number
        row.fiscal_year = fiscal_year
        row.etag = etag
        row.details = dict(row.details or {}) | {"items": items or {}}
        row.updated_at = utcnow()


def created(db: Database, document_id: int, kind: str) -> SapDocument | None:
    with db.session() as session:
        row = _row(session, document_id, kind)
        if row is not None:
            session.expunge(row)
        return row


def remember_item_etag(
    db: Database, document_id: int, kind: str, line: str, etag: str | None
) -> None:
    with db.session() as session:
        row = _row(session, document_id, kind)
        if row is None:
            return
        items = dict(row.details.get("items") or {})
        items[line] = dict(items.get(line) or {}) | {"etag": etag}
        row.details = dict(row.details) | {"items": items}
        row.updated_at = utcnow()


def _row(session: Session, document_id: int, kind: str) -> SapDocument | None:
    return session.execute(
        select(SapDocument).where(
            SapDocument.document_id == document_id, SapDocument.kind == kind
        )
    ).scalar_one_or_none()
