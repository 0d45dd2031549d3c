"""A 1C requisition as it stands now, as the input of the 1C outbound mappings.

``query`` does not send events one by one: it sends each requisition that has
news once, as it is at that moment (status, confirmed lines, every document with
links to its files). The dict built here is what ``mappings/shared/onec.yaml``
reads as ``doc``; its shape is written at the top of that file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session, col

from connectors.onec.revisions import REFUSED
from gateway.lifecycle import OrderStatus
from gateway.store.tables import (
    Document,
    DocumentFile,
    Event,
    Order,
    OrderLine,
    OrderStatusChange,
    Requisition,
    RequisitionLine,
)

MOSCOW = timezone(timedelta(hours=3), "MSK")
# TODO(onec-timezone): times go to 1C in Moscow time, as Komus keeps them; a
# tenant in another time zone would want its own, which config does not say yet.

OPERATIONS = {
    "invoice": "Счет на оплату",
    "upd": "Отпуск товара",
    "act": "Прочие",
    "payment": "Выплата безналичных денег",
    "shipment": "Отпуск товара",
}
"""``ХозОперация`` of each document kind (CommerceML has no УПД or act of its own)."""

TITLES = {
    "invoice": "Счет на оплату",
    "upd": "УПД",
    "act": "Акт",
    "payment": "Оплата",
    "shipment": "Отгрузка",
}
PAID = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PICKING,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
    }
)
SHIPPED = frozenset(
    {
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
    }
)
FINAL = frozenset(
    {
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
    }
)


REQUISITION_STATUS = {"ordered": OrderStatus.SUBMITTED.value}


def file_url(base_url: str, file_id: int, filename: str) -> str:
    """The 1C-authenticated download of a stored document file."""
    return f"{base_url.rstrip('/')}/1c/files/{file_id}/{quote(filename)}"


def snapshots(
    session: Session,
    requisition_ids: Iterable[int],
    *,
    base_url: str,
    kinds: Iterable[str],
) -> list[dict[str, Any]]:
    """One dict per requisition, in the order asked; unknown ids are left out."""
    wanted = set(kinds)
    found = []
    for requisition_id in dict.fromkeys(requisition_ids):
        requisition = session.get(Requisition, requisition_id)
        if requisition is None:
            continue
        found.append(_snapshot(session, requisition, base_url, wanted))
    return found


def _snapshot(
    session: Session, requisition: Requisition, base_url: str, kinds: set[str]
) -> dict[str, Any]:
    order = session.execute(
        select(Order).where(Order.requisition_id == requisition.id)
    ).scalar_one_or_none()
    requisition_lines = list(
        session.execute(
            select(RequisitionLine)
            .where(RequisitionLine.requisition_id == requisition.id)
            .order_by(RequisitionLine.line_no)
        ).scalars()
    )
    by_line_no = {line.line_no: line for line in requisition_lines}
    documents = _documents(session, order, base_url, kinds) if order else []
    # A requisition marked ordered whose order row is not committed yet reads as
    # submitted: it is on its way to Komus.
    status = (
        order.status
        if order
        else REQUISITION_STATUS.get(requisition.state, requisition.state)
    )
    refusal = _refusal(session, requisition)
    shown = _order(session, order, by_line_no, documents) if order else None
    lines = shown["lines"] if shown else _requisition_lines(requisition_lines)
    return {
        "requisition": {
            "id": requisition.id,
            "external_id": requisition.external_id,
            "number": requisition.number,
            "document_date": _day(requisition.document_date),
            "state": requisition.state,
            "hold_reason": requisition.hold_reason,
            "currency": requisition.currency,
            "comment": requisition.comment,
        },
        "status": status,
        "order": shown,
        "lines": lines,
        "documents": documents,
        "refusal": refusal,
    }


def _order(
    session: Session,
    order: Order,
    by_line_no: dict[int, RequisitionLine],
    documents: list[dict[str, Any]],
) -> dict[str, Any]:
    status = OrderStatus(order.status)
    changed = session.execute(
        select(OrderStatusChange.at)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(col(OrderStatusChange.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    payment = _latest(documents, "payment")
    shipment = _latest(documents, "shipment") or _latest(documents, "upd")
    lines = list(
        session.execute(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
        ).scalars()
    )
    return {
        "id": order.id,
        "number": order.number,
        "komus_order_id": order.komus_order_id,
        "status": status.value,
        "currency": order.currency,
        "net_total": _amount(order.net_total),
        "vat_total": _amount(order.vat_total),
        "total": _amount(order.total),
        "submitted_at": _moment(order.submitted_at),
        "status_changed_at": _moment(changed),
        "paid": status in PAID or payment is not None,
        "paid_at": payment["date"] if payment else None,
        "payment_number": payment["number"] if payment else None,
        "shipped": status in SHIPPED,
        "shipped_at": shipment["date"] if shipment and status in SHIPPED else None,
        "shipment_number": shipment["number"]
        if shipment and status in SHIPPED
        else None,
        "cancelled": status in (OrderStatus.CANCELLED, OrderStatus.REJECTED),
        "final": status in FINAL,
        "lines": [_order_line(line, by_line_no.get(line.line_no)) for line in lines],
    }


def _order_line(line: OrderLine, source: RequisitionLine | None) -> dict[str, Any]:
    confirmed = line.quantity_confirmed
    return {
        "line_no": line.line_no,
        "client_item_code": source.client_item_code if source else None,
        "client_item_name": source.client_item_name if source else None,
        "article": line.article,
        "name": line.name or (source.client_item_name if source else None),
        "unit_code": line.unit_code,
        "price": _amount(line.price),
        "quantity": _quantity(
            confirmed if confirmed is not None else line.quantity_ordered
        ),
        "quantity_ordered": _quantity(line.quantity_ordered),
        "quantity_confirmed": _quantity(confirmed),
        "quantity_shipped": _quantity(line.quantity_shipped),
        "vat_rate": line.vat_rate,
        "net_amount": _amount(line.net_amount),
        "vat_amount": _amount(line.vat_amount),
        "gross_amount": _amount(line.gross_amount),
    }


def _requisition_lines(lines: list[RequisitionLine]) -> list[dict[str, Any]]:
    return [
        {
            "line_no": line.line_no,
            "client_item_code": line.client_item_code,
            "client_item_name": line.client_item_name,
            "article": line.article,
            "name": line.client_item_name,
            "unit_code": line.unit_code,
            "price": _amount(line.expected_price),
            "quantity": _quantity(line.quantity),
            "vat_rate": line.vat_rate,
        }
        for line in lines
    ]


def _documents(
    session: Session, order: Order, base_url: str, kinds: set[str]
) -> list[dict[str, Any]]:
    rows = [
        document
        for document in session.execute(
            select(Document)
            .where(Document.order_id == order.id)
            .order_by(col(Document.id))
        ).scalars()
        if document.kind in kinds
    ]
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for file_id, document_id, filename, content_type in session.execute(
            select(
                DocumentFile.id,
                DocumentFile.document_id,
                DocumentFile.filename,
                DocumentFile.content_type,
            )
            .where(col(DocumentFile.document_id).in_([d.id for d in rows]))
            .order_by(col(DocumentFile.id))
        ):
            files[document_id].append(
                {
                    "id": file_id,
                    "name": filename,
                    "content_type": content_type,
                    "format": _format(filename, content_type),
                    "url": file_url(base_url, file_id, filename),
                }
            )
    return [
        {
            "id": document.id,
            "key": f"komus-{document.kind}-{document.external_id}",
            "kind": document.kind,
            "title": TITLES.get(document.kind, document.kind),
            "operation": OPERATIONS.get(document.kind, "Прочие"),
            "external_id": document.external_id,
            "number": document.number,
            "date": _day(document.document_date or document.created_at.date()),
            "net_amount": _amount(document.net_amount),
            "vat_amount": _amount(document.vat_amount),
            "total": _amount(document.total),
            "files": files.get(document.id or 0, []),
        }
        for document in rows
    ]


def _refusal(session: Session, requisition: Requisition) -> str | None:
    """Why 1C's latest version was not applied, if it was not."""
    event = session.execute(
        select(Event)
        .where(Event.requisition_id == requisition.id, Event.type == REFUSED)
        .order_by(col(Event.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if event is None or event.data.get("revision") != requisition.revision:
        return None
    return event.data.get("reason")


def _latest(documents: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    found = [d for d in documents if d["kind"] == kind]
    return found[-1] if found else None


def _format(filename: str, content_type: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].upper() if "." in filename else ""
    if suffix:
        return suffix
    return content_type.split("/")[-1].upper()


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _quantity(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")
