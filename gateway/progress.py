"""What Komus says about an order, applied: line quantities, status, documents, events.

The Komus side reports news; this module keeps the order's lines and status in step and
turns every change into events, which the pipeline fans out to the channels. Statuses
come from the lines (``lifecycle.status_from_lines``) and only move along the allowed
transitions; news that would break the lifecycle is kept on the lines and logged for an
operator instead of bending the status.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel import Session

from gateway.errors import NotFound
from gateway.lifecycle import LineProgress, OrderStatus, path_to, status_from_lines
from gateway.pipeline import Pipeline
from gateway.store.tables import (
    Document,
    DocumentFile,
    Order,
    OrderLine,
    OrderStatusChange,
)

log = structlog.get_logger(__name__)

DOCUMENT_EVENTS = {
    "invoice": "invoice.issued",
    "upd": "upd.issued",
    "act": "act.issued",
    "payment": "payment.received",
    "shipment": "shipment.dispatched",
}
CONFIRMING = {OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_CONFIRMED}


@dataclass
class LineNews:
    """Cumulative quantities Komus reports for one line; None leaves a figure as is."""

    line_no: int
    confirmed: Decimal | None = None
    shipped: Decimal | None = None
    delivered: Decimal | None = None


@dataclass
class OrderNews:
    lines: list[LineNews] = field(default_factory=list)
    komus_status_code: str | None = None
    invoiced: bool = False
    paid: bool = False
    picking: bool = False
    cancelled: bool = False
    reason: str | None = None


@dataclass
class DocumentFileDraft:
    filename: str
    content_type: str
    content: bytes


def apply_news(pipeline: Pipeline, order_id: int, news: OrderNews) -> OrderStatus:
    """Update the order from Komus news; returns the status it is in afterwards."""
    now = pipeline.clock.now()
    with pipeline.db.session() as session:
        order = session.get(Order, order_id, with_for_update=pipeline.db.is_postgres)
        if order is None:
            raise NotFound(f"order {order_id} does not exist")
        lines = {
            line.line_no: line
            for line in session.execute(
                select(OrderLine).where(OrderLine.order_id == order_id)
            ).scalars()
        }
        for item in news.lines:
            line = lines.get(item.line_no)
            if line is None:
                log.warning(
                    "news_for_unknown_line", order_id=order_id, line=item.line_no
                )
                continue
            if item.confirmed is not None:
                line.quantity_confirmed = item.confirmed
            if item.shipped is not None:
                line.quantity_shipped = max(line.quantity_shipped, item.shipped)
            if item.delivered is not None:
                line.quantity_delivered = max(line.quantity_delivered, item.delivered)

        current = OrderStatus(order.status)
        progress = [
            LineProgress(
                ordered=line.quantity_ordered,
                confirmed=line.quantity_confirmed,
                shipped=line.quantity_shipped,
                delivered=line.quantity_delivered,
            )
            for line in lines.values()
        ]
        # What the lines say first, then the flags: a poll that sees an order both
        # confirmed and invoiced still reports the confirmation on the way.
        by_lines = status_from_lines(
            progress, current=current, cancelled=news.cancelled
        )
        derived = status_from_lines(
            progress,
            current=by_lines,
            invoiced=news.invoiced,
            paid=news.paid,
            picking=news.picking,
            cancelled=news.cancelled,
        )
        if news.komus_status_code:
            order.komus_status_code = news.komus_status_code
        order.updated_at = now
        if derived == current:
            return current
        first, second = path_to(current, by_lines), path_to(by_lines, derived)
        steps = None if first is None or second is None else first + second
        if steps is None:
            log.error(
                "order_status_conflict",
                order_id=order_id,
                tenant=order.tenant_id,
                current=current.value,
                reported=derived.value,
                next_step="lines were updated; an operator must settle the status",
            )
            return current
        previous = current
        for step in steps:
            _move(pipeline, session, order, previous, step, news.reason)
            previous = step
        return derived


def _move(
    pipeline: Pipeline,
    session: Session,
    order: Order,
    current: OrderStatus,
    new: OrderStatus,
    reason: str | None,
) -> None:
    now = pipeline.clock.now()
    order.status = new
    session.add(
        OrderStatusChange(
            order_id=order.id, from_status=current, to_status=new, reason=reason, at=now
        )
    )
    data: dict[str, Any] = {
        "order_id": order.id,
        "komus_order_id": order.komus_order_id,
        "from": current.value,
        "status": new.value,
    }
    pipeline.record_event(
        session, order.tenant_id, "order.status_changed", data, order_id=order.id
    )
    if new in CONFIRMING and current not in CONFIRMING:
        pipeline.record_event(
            session, order.tenant_id, "order.confirmed", data, order_id=order.id
        )
    if new == OrderStatus.CANCELLED:
        pipeline.record_event(
            session, order.tenant_id, "order.cancelled", data, order_id=order.id
        )
    log.info(
        "order_status_changed",
        order_id=order.id,
        tenant=order.tenant_id,
        status=new.value,
        previous=current.value,
    )


def record_document(
    pipeline: Pipeline,
    order_id: int,
    *,
    kind: str,
    external_id: str,
    number: str | None = None,
    document_date: date | None = None,
    net_amount: Decimal | None = None,
    vat_amount: Decimal | None = None,
    total: Decimal | None = None,
    details: dict[str, Any] | None = None,
    files: list[DocumentFileDraft] | None = None,
) -> tuple[int, bool]:
    """Keep a document Komus issued for an order, once; returns (id, newly stored)."""
    if kind not in DOCUMENT_EVENTS:
        raise ValueError(
            f"unknown document kind {kind!r}; known: {sorted(DOCUMENT_EVENTS)}"
        )
    with pipeline.db.session() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(f"order {order_id} does not exist")
        existing = session.execute(
            select(Document.id).where(
                Document.tenant_id == order.tenant_id,
                Document.kind == kind,
                Document.external_id == external_id,
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing, False
        document = Document(
            tenant_id=order.tenant_id,
            order_id=order_id,
            kind=kind,
            external_id=external_id,
            number=number,
            document_date=document_date,
            net_amount=net_amount,
            vat_amount=vat_amount,
            total=total,
            details=details or {},
            created_at=pipeline.clock.now(),
        )
        session.add(document)
        session.flush()
        for file in files or []:
            session.add(
                DocumentFile(
                    document_id=document.id,
                    filename=file.filename,
                    content_type=file.content_type,
                    content=file.content,
                    checksum=hashlib.sha256(file.content).hexdigest(),
                )
            )
        pipeline.record_event(
            session,
            order.tenant_id,
            DOCUMENT_EVENTS[kind],
            {
                "order_id": order_id,
                "document_id": document.id,
                "number": number,
                "date": document_date.isoformat() if document_date else None,
                "total": str(total) if total is not None else None,
            },
            order_id=order_id,
            document_id=document.id,
        )
        assert document.id is not None
        log.info(
            "document_recorded", order_id=order_id, kind=kind, document_id=document.id
        )
        return document.id, True
