"""The event route: what SAP is owed when an order of an SAP requisition moves.

    order.confirmed       → ORDRSP
    shipment.dispatched   → DESADV (DELVRY03), SAP's inbound delivery
    invoice.issued        → INVOIC02 (or upd.issued, when ``invoice_from: upd``)

Each becomes one delivery on the ``sap`` channel, built in the event's transaction
and keyed by the event so that it is queued once.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlmodel import Session

from connectors.sap import idoc_writer
from connectors.sap.idoc_writer import InvoiceFacts, ItemFacts, OrderFacts
from connectors.sap.settings import CHANNEL, SapChannel, sap_channel
from connectors.sap.units import UnitTable
from gateway.config import Settings
from gateway.outbox import DeliveryDraft
from gateway.store.tables import Document, Event, Order, OrderLine, Requisition

log = structlog.get_logger(__name__)

CONTENT_TYPE = "application/xml"
ZERO = Decimal(0)


class SapRoute:
    def __init__(self, settings: Settings, units: UnitTable):
        self.settings = settings
        self.units = units

    def __call__(self, session: Session, event: Event) -> Iterable[DeliveryDraft]:
        tenant = self.settings.tenant(event.tenant_id)
        channel = sap_channel(tenant) if tenant else None
        if channel is None or not channel.base_url or event.order_id is None:
            return []
        order = session.get(Order, event.order_id)
        if order is None or order.channel != CHANNEL:
            return []
        kind = self._kind(channel, event.type)
        if kind is None:
            return []
        number = str(event.id)
        payload = self._payload(session, channel, order, event, kind, number)
        if payload is None:
            return []
        return [
            DeliveryDraft(
                tenant_id=order.tenant_id,
                channel=CHANNEL,
                target=channel.idoc_url,
                payload=payload,
                content_type=CONTENT_TYPE,
                event_id=event.id,
                event_type=event.type,
                order_id=order.id,
                dedupe_key=f"sap:{kind}:{event.id}",
            )
        ]

    @staticmethod
    def _kind(channel: SapChannel, event_type: str) -> str | None:
        if event_type == "order.confirmed":
            return "confirmation"
        if event_type == "shipment.dispatched":
            return "shipment"
        if event_type == f"{channel.invoice_from}.issued":
            return "invoice"
        return None

    def _payload(
        self,
        session: Session,
        channel: SapChannel,
        order: Order,
        event: Event,
        kind: str,
        number: str,
    ) -> bytes | None:
        facts = self._facts(session, order, kind)
        document = (
            session.get(Document, event.document_id) if event.document_id else None
        )
        if kind == "confirmation":
            return idoc_writer.confirmation(channel, facts, number, None)
        if document is None:
            log.warning("sap_event_without_document", event_id=event.id, kind=kind)
            return None
        issued = document.document_date or document.created_at.date()
        if kind == "shipment":
            delivery = document.number or document.external_id.rsplit("/", 1)[-1]
            return idoc_writer.shipment(channel, facts, number, delivery, issued)
        tenant = self.settings.tenant(order.tenant_id)
        net = sum((item.net for item in facts.items), ZERO)
        vat = sum((item.vat for item in facts.items), ZERO)
        total = document.total if document.total is not None else net + vat
        vat = document.vat_amount if document.vat_amount is not None else vat
        bill = InvoiceFacts(
            number=document.number or document.external_id.rsplit("/", 1)[-1],
            issued_on=issued,
            vendor=channel.vendor,
            bill_to=channel.company_code,
            bill_to_name=tenant.legal_name if tenant else "",
            net=total - vat,
            vat=vat,
            total=total,
        )
        return idoc_writer.invoice(channel, facts, number, bill)

    def _facts(self, session: Session, order: Order, kind: str) -> OrderFacts:
        requisition = session.get(Requisition, order.requisition_id)
        lines = session.execute(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
        ).scalars()
        items = []
        for line in lines:
            quantity = (
                {
                    "confirmation": line.quantity_confirmed,
                    "shipment": line.quantity_shipped,
                }.get(kind)
                or line.quantity_confirmed
                or line.quantity_ordered
            )
            items.append(
                ItemFacts(
                    line_no=line.line_no,
                    article=line.article,
                    client_item_code=line.client_item_code,
                    unit_iso=self.units.iso(line.unit_code),
                    quantity=quantity,
                    price=line.price or ZERO,
                    net=line.net_amount or ZERO,
                    vat=line.vat_amount or ZERO,
                    vat_rate=line.vat_rate or "",
                )
            )
        return OrderFacts(
            order_number=order.number or order.komus_order_id or str(order.id),
            sap_reference=requisition.external_id if requisition else "",
            currency=order.currency,
            items=[item for item in items if item.quantity > 0],
        )
