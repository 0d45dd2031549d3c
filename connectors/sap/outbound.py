"""The event route: what SAP is owed when an order of an SAP requisition moves.

    order.confirmed       → ORDRSP IDoc, or OrderConfirmationRequest_In (SOAP)
    shipment.dispatched   → DESADV (DELVRY03) IDoc, or an inbound delivery (OData)
    invoice.issued        → INVOIC02 IDoc, or a supplier invoice (OData)
                            (upd.issued instead, when ``invoice_from: upd``)
    order delivered       → inbound delivery items corrected to what arrived (OData)

The tenant's ``routes`` choose IDoc, OData or SOAP per document kind; IDoc is the
default. Each document becomes deliveries on the ``sap`` channel, built in the
event's transaction and keyed by the event so that they are queued once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlmodel import Session

from connectors.sap import idoc_writer, ledger, odata_writer, soap
from connectors.sap.idoc_writer import InvoiceFacts, ItemFacts, OrderFacts
from connectors.sap.odata_sender import (
    CREATE_DELIVERY,
    CREATE_INVOICE,
    DELIVERY_ITEMS,
    DELIVERY_SET,
    INVOICE_SET,
    UPDATE_DELIVERY_ITEM,
    write_headers,
)
from connectors.sap.references import item_references
from connectors.sap.settings import CHANNEL, SapChannel, sap_channel
from connectors.sap.tax_codes import TaxCodes
from connectors.sap.units import UnitTable
from gateway.config import Settings
from gateway.lifecycle import OrderStatus
from gateway.outbox import DeliveryDraft
from gateway.store.tables import Document, Event, Order, OrderLine, Requisition

log = structlog.get_logger(__name__)

CONTENT_TYPE = "application/xml"
JSON = "application/json"
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
        if _delivered(event):
            return self._corrections(session, channel, order, event)
        kind = self._kind(channel, event.type)
        if kind is None:
            return []
        document = (
            session.get(Document, event.document_id) if event.document_id else None
        )
        if kind != "confirmation" and document is None:
            log.warning("sap_event_without_document", event_id=event.id, kind=kind)
            return []
        facts = self._facts(session, channel, order, kind, document)
        route = channel.route(kind)
        drafts = getattr(self, f"_{kind}_{route}")(
            session, channel, order, event, facts, document
        )
        return [draft for draft in drafts if draft is not None]

    @staticmethod
    def _kind(channel: SapChannel, event_type: str) -> str | None:
        if event_type == "order.confirmed":
            return "confirmation"
        if event_type == "shipment.dispatched":
            return "shipment"
        if event_type == f"{channel.invoice_from}.issued":
            return "invoice"
        return None

    # -- confirmations ----------------------------------------------------------------

    def _confirmation_idoc(self, session, channel, order, event, facts, document):
        facts.items = [item for item in facts.items if item.quantity > 0]
        payload = idoc_writer.confirmation(channel, facts, str(event.id), None)
        return [self._idoc(channel, order, event, "confirmation", payload)]

    def _confirmation_soap(self, session, channel, order, event, facts, document):
        """One message per purchase order, each item with all its schedule lines."""
        shipped = [
            (session.get(Document, row.document_id), ledger.quantities(row))
            for row in ledger.shipments(session, order.id)
        ]
        today = event.created_at.date()
        by_order: dict[str, list[soap.ConfirmedItem]] = {}
        for item in facts.items:
            lines = [
                soap.ScheduleLine(parts[item.line_no], _issued(doc) or today)
                for doc, parts in shipped
                if parts.get(item.line_no)
            ]
            rest = item.quantity - sum((line.quantity for line in lines), ZERO)
            if rest > 0 or not lines:
                lines.append(soap.ScheduleLine(max(rest, ZERO), today))
            by_order.setdefault(item.reference.document, []).append(
                soap.ConfirmedItem(item.reference.item, item.unit_iso, lines)
            )
        drafts = []
        for number, items in sorted(by_order.items()):
            payload = soap.envelope(
                f"KOMUSGW-{event.id}-{number}"[:35],
                event.created_at,
                number,
                facts.order_number,
                items,
            )
            drafts.append(
                DeliveryDraft(
                    tenant_id=order.tenant_id,
                    channel=CHANNEL,
                    target=channel.soap_url,
                    payload=payload,
                    content_type=soap.CONTENT_TYPE,
                    event_id=event.id,
                    event_type=event.type,
                    order_id=order.id,
                    dedupe_key=f"sap:confirmation:{event.id}:{number}",
                )
            )
        return drafts

    # -- shipments --------------------------------------------------------------------

    def _shipment_idoc(self, session, channel, order, event, facts, document):
        if not facts.items:
            return []
        delivery = document.number or document.external_id.rsplit("/", 1)[-1]
        payload = idoc_writer.shipment(
            channel, facts, str(event.id), delivery, _issued(document)
        )
        return [self._idoc(channel, order, event, "shipment", payload)]

    def _shipment_odata(self, session, channel, order, event, facts, document):
        if not facts.items:
            return []
        return [
            DeliveryDraft(
                tenant_id=order.tenant_id,
                channel=CHANNEL,
                target=f"{channel.service_url(channel.delivery_service)}{DELIVERY_SET}",
                payload=odata_writer.inbound_delivery(channel, facts),
                content_type=JSON,
                headers=write_headers(
                    CREATE_DELIVERY,
                    order.id,
                    document.id,
                    *(item.line_no for item in facts.items),
                ),
                event_id=event.id,
                event_type=event.type,
                order_id=order.id,
                dedupe_key=f"sap:shipment:{event.id}",
            )
        ]

    def _corrections(
        self, session: Session, channel: SapChannel, order: Order, event: Event
    ) -> list[DeliveryDraft]:
        """Delivered less than shipped: the latest inbound deliveries are corrected.

        SAP lets a supplier change only ``ActualDeliveryQuantity`` of an inbound
        delivery item, under the item's ETag; the shortfall of a line is taken off
        its latest shipments first.
        """
        if channel.route("shipment") != "odata":
            return []
        shortfall = {
            line.line_no: line.quantity_shipped - line.quantity_delivered
            for line in _lines(session, order)
            if line.quantity_delivered < line.quantity_shipped
        }
        drafts = []
        for row in reversed(ledger.shipments(session, order.id)):
            lines = ledger.quantities(row)
            for line_no, quantity in lines.items():
                short = shortfall.get(line_no, ZERO)
                if short <= 0:
                    continue
                taken = min(short, quantity)
                shortfall[line_no] = short - taken
                drafts.append(
                    DeliveryDraft(
                        tenant_id=order.tenant_id,
                        channel=CHANNEL,
                        target=f"{channel.service_url(channel.delivery_service)}"
                        f"{DELIVERY_ITEMS}",
                        payload=odata_writer.delivery_quantity(quantity - taken),
                        content_type=JSON,
                        headers=write_headers(
                            UPDATE_DELIVERY_ITEM, order.id, row.document_id, line_no
                        ),
                        event_id=event.id,
                        event_type=event.type,
                        order_id=order.id,
                        dedupe_key=f"sap:correction:{event.id}:{row.id}:{line_no}",
                    )
                )
        return drafts

    # -- invoices ---------------------------------------------------------------------

    def _invoice_idoc(self, session, channel, order, event, facts, document):
        tenant = self.settings.tenant(order.tenant_id)
        net = sum((item.net for item in facts.items), ZERO)
        vat = sum((item.vat for item in facts.items), ZERO)
        total = document.total if document.total is not None else net + vat
        vat = document.vat_amount if document.vat_amount is not None else vat
        bill = InvoiceFacts(
            number=_number(document),
            issued_on=_issued(document),
            vendor=channel.vendor,
            bill_to=channel.company_code,
            bill_to_name=tenant.legal_name if tenant else "",
            net=total - vat,
            vat=vat,
            total=total,
        )
        payload = idoc_writer.invoice(channel, facts, str(event.id), bill)
        return [self._idoc(channel, order, event, "invoice", payload)]

    def _invoice_odata(self, session, channel, order, event, facts, document):
        net = sum((item.net for item in facts.items), ZERO)
        vat = sum((item.vat for item in facts.items), ZERO)
        bill = odata_writer.BillFacts(
            number=_number(document),
            issued_on=_issued(document),
            posted_on=event.created_at.date(),
            total=document.total if document.total is not None else net + vat,
        )
        return [
            DeliveryDraft(
                tenant_id=order.tenant_id,
                channel=CHANNEL,
                target=f"{channel.service_url(channel.invoice_service)}{INVOICE_SET}",
                payload=odata_writer.supplier_invoice(channel, facts, bill),
                content_type=JSON,
                headers=write_headers(CREATE_INVOICE, order.id, document.id),
                event_id=event.id,
                event_type=event.type,
                order_id=order.id,
                dedupe_key=f"sap:invoice:{event.id}",
            )
        ]

    # -- common -----------------------------------------------------------------------

    @staticmethod
    def _idoc(
        channel: SapChannel, order: Order, event: Event, kind: str, payload: bytes
    ) -> DeliveryDraft:
        return DeliveryDraft(
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

    def _facts(
        self,
        session: Session,
        channel: SapChannel,
        order: Order,
        kind: str,
        document: Document | None,
    ) -> OrderFacts:
        requisition = session.get(Requisition, order.requisition_id)
        references = item_references(session, requisition)
        lines = _lines(session, order)
        taxes = TaxCodes(order.tenant_id, channel.tax_codes)
        this_shipment: dict[int, Decimal] = {}
        if kind == "shipment" and document is not None:
            this_shipment = ledger.shipment_lines(
                session,
                tenant_id=order.tenant_id,
                order_id=order.id,
                document_id=document.id,
                shipped={line.line_no: line.quantity_shipped for line in lines},
            )
        items = []
        for line in lines:
            if kind == "shipment":
                quantity = this_shipment.get(line.line_no, ZERO)
            elif kind == "confirmation":
                quantity = line.quantity_confirmed or ZERO
            else:
                quantity = line.quantity_confirmed or line.quantity_ordered
            items.append(
                ItemFacts(
                    line_no=line.line_no,
                    article=line.article,
                    client_item_code=line.client_item_code,
                    unit_iso=self.units.iso(line.unit_code),
                    unit_sap=self.units.sap(line.unit_code),
                    quantity=quantity,
                    price=line.price or ZERO,
                    net=line.net_amount or ZERO,
                    vat=line.vat_amount or ZERO,
                    vat_rate=line.vat_rate or "",
                    tax_code=taxes.code(line.vat_rate) if kind == "invoice" else "",
                    reference=references[line.line_no],
                )
            )
        if kind != "confirmation":
            items = [item for item in items if item.quantity > 0]
        first = items[0].reference.document if items else ""
        return OrderFacts(
            order_number=order.number or order.komus_order_id or str(order.id),
            sap_reference=first or (requisition.external_id if requisition else ""),
            currency=order.currency,
            items=items,
        )


def _delivered(event: Event) -> bool:
    return (
        event.type == "order.status_changed"
        and (event.data or {}).get("status") == OrderStatus.DELIVERED.value
    )


def _lines(session: Session, order: Order) -> list[OrderLine]:
    return list(
        session.execute(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
        ).scalars()
    )


def _issued(document: Document | None) -> date | None:
    if document is None:
        return None
    return document.document_date or document.created_at.date()


def _number(document: Document) -> str:
    return document.number or document.external_id.rsplit("/", 1)[-1]
