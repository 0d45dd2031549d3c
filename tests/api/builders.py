"""Records written straight into the store, for tests that need them already there."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway.hub import Hub
from gateway.pipeline import Intake
from gateway.plain import record_from_json
from gateway.store.tables import (
    Delivery,
    Document,
    DocumentFile,
    Order,
    OrderLine,
    OrderStatusChange,
    Requisition,
)

_numbers = itertools.count(1)
MOMENT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def add_order(
    hub: Hub,
    tenant: str,
    *,
    status: str = "submitted",
    total: str = "100.00",
    created_at: datetime = MOMENT,
    channel: str = "api",
    article: str = "1000001",
    name: str = "Бумага офисная А4",
    requisition_external_id: str | None = None,
) -> int:
    """An order with one line, placed for a requisition of its own."""
    n = next(_numbers)
    gross = Decimal(total)
    with hub.db.session() as session:
        requisition = Requisition(
            tenant_id=tenant,
            channel=channel,
            external_id=requisition_external_id or f"REQ-{n}",
            number=f"ЗК-{n:04}",
            state="ordered",
            created_at=created_at,
            updated_at=created_at,
        )
        session.add(requisition)
        session.flush()
        order = Order(
            tenant_id=tenant,
            requisition_id=requisition.id,
            channel=channel,
            number=f"KM-{n:05}",
            komus_order_id=f"K{700000 + n}",
            status=status,
            net_total=gross,
            vat_total=Decimal("0.00"),
            total=gross,
            created_at=created_at,
            updated_at=created_at,
        )
        session.add(order)
        session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                line_no=1,
                article=article,
                name=name,
                price=gross,
                vat_rate="без НДС",
                net_amount=gross,
                vat_amount=Decimal("0.00"),
                gross_amount=gross,
                quantity_ordered=Decimal(1),
                quantity_confirmed=Decimal(1),
            )
        )
        session.add(
            OrderStatusChange(order_id=order.id, to_status="submitted", at=created_at)
        )
        assert order.id is not None
        return order.id


def add_document(
    hub: Hub,
    tenant: str,
    order_id: int,
    *,
    filename: str,
    content: bytes,
    content_type: str = "application/pdf",
    kind: str = "invoice",
) -> tuple[int, int]:
    """A document of the order with one file; returns (document id, file id)."""
    n = next(_numbers)
    with hub.db.session() as session:
        document = Document(
            tenant_id=tenant,
            order_id=order_id,
            kind=kind,
            external_id=f"DOC-{n}",
            number=str(n),
            total=Decimal("100.00"),
        )
        session.add(document)
        session.flush()
        stored = DocumentFile(
            document_id=document.id,
            filename=filename,
            content_type=content_type,
            content=content,
            checksum="0" * 64,
        )
        session.add(stored)
        session.flush()
        assert document.id is not None and stored.id is not None
        return document.id, stored.id


def add_delivery(
    hub: Hub, tenant: str, *, state: str = "dead", attempts: int = 4
) -> int:
    """A webhook delivery that has already been tried ``attempts`` times."""
    with hub.db.session() as session:
        delivery = Delivery(
            tenant_id=tenant,
            channel="webhook",
            target="http://127.0.0.1:9/hook",
            event_type="order.confirmed",
            payload=b'{"event": "order.confirmed"}',
            state=state,
            attempts=attempts,
            max_attempts=attempts,
            last_error="connection refused" if state != "delivered" else None,
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        return delivery.id


def receive(hub: Hub, tenant: str, body: dict[str, Any]) -> Intake:
    """A requisition taken in through the pipeline, as a connector would hand it."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    return hub.pipeline.receive(record_from_json(tenant, "api", body, raw))
