"""Documents an order produces: the invoice PDF, payment and shipment records, УПД."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from connectors.komus.sandbox.assortment import UNITS
from connectors.komus.sandbox.catalog import REGIONS, Catalog
from connectors.komus.sandbox.clock import komus_date
from connectors.komus.sandbox.invoice_pdf import (
    Invoice,
    InvoiceLine,
    Party,
    render_invoice,
)
from connectors.komus.sandbox.model import Order, Shipment
from connectors.komus.sandbox.store import DocumentDraft
from connectors.komus.sandbox.supplier import KOMUS
from connectors.komus.sandbox.upd import UpdDocument, UpdLine, UpdParty, render_upd
from gateway.config import SandboxClient, SandboxConsignee
from gateway.money import sum_lines

PAYMENT_DAYS = 5


def invoice_number(order: Order) -> str:
    return f"СЧ-{order.order_num}"


def invoice_draft(
    order: Order,
    client: SandboxClient,
    consignee: SandboxConsignee | None,
    at: datetime,
    payment_days: int = PAYMENT_DAYS,
) -> DocumentDraft:
    rows = [row for row in order.rows if row.billed_quantity > 0]
    lines = [
        InvoiceLine(
            row.artnumber,
            row.name,
            row.billed_quantity,
            UNITS[row.okei],
            row.price,
            row.rate,
            row.amounts(),
        )
        for row in rows
    ]
    issued = komus_date(at)
    invoice = Invoice(
        number=invoice_number(order),
        issued=issued,
        due=issued + timedelta(days=payment_days),
        basis=(
            f"Заказ № {order.order_num} от {komus_date(order.created_at):%d.%m.%Y}"
            f" (ваш номер {order.external_id})"
        ),
        buyer=Party(client.name, client.inn, client.kpp, client.address),
        consignee=_party(consignee),
        lines=lines,
    )
    total = sum_lines(line.amounts for line in lines)
    return DocumentDraft(
        kind="invoice",
        number=invoice.number,
        issued_at=at,
        amount=total.gross,
        amount_nds=total.vat,
        file_name=f"invoice-{order.order_num}.pdf",
        content_type="application/pdf",
        content=render_invoice(invoice, KOMUS, at),
    )


def payment_draft(order: Order, at: datetime) -> DocumentDraft:
    total = sum_lines(row.amounts() for row in order.rows)
    return DocumentDraft(
        kind="payment",
        number=f"ПП-{order.order_num}",
        issued_at=at,
        amount=total.gross,
        amount_nds=total.vat,
    )


def shipment_drafts(
    order: Order,
    shipment: Shipment,
    client: SandboxClient,
    consignee: SandboxConsignee | None,
    catalog: Catalog,
) -> tuple[DocumentDraft, DocumentDraft]:
    """The shipment record and its УПД, both for the shipped quantities only."""
    lines = []
    for part in shipment.rows:
        row = order.row(part.row_id)
        article = catalog.article(row.artnumber)
        lines.append(
            UpdLine(
                artnumber=row.artnumber,
                name=row.name,
                okei=row.okei,
                unit=UNITS[row.okei],
                quantity=part.quantity,
                ordered=row.quantity,
                rate=row.rate,
                amounts=row.amounts(part.quantity),
                barcode=article.barcode if article else None,
            )
        )
    total = sum_lines(line.amounts for line in lines)
    buyer = UpdParty(
        client.name,
        client.inn,
        client.kpp,
        client.regions[0],
        REGIONS.get(client.regions[0], client.regions[0]),
        client.address or "адрес не указан",
        _edo_id(client.inn, client.kpp),
    )
    receiver = buyer
    if consignee is not None:
        receiver = UpdParty(
            consignee.name,
            consignee.inn,
            consignee.kpp,
            consignee.region,
            REGIONS.get(consignee.region, consignee.region),
            consignee.address,
            _edo_id(consignee.inn, consignee.kpp),
        )
    upd = render_upd(
        UpdDocument(
            number=shipment.number,
            issued=shipment.shipped_at,
            buyer=buyer,
            consignee=receiver,
            order_number=order.order_num,
            order_date=komus_date(order.created_at),
            lines=lines,
            external_id=order.external_id,
        ),
        KOMUS,
        uuid.uuid4(),
    )
    record = DocumentDraft(
        kind="shipment",
        number=shipment.number,
        issued_at=shipment.shipped_at,
        amount=total.gross,
        amount_nds=total.vat,
        shipment_id=shipment.id,
    )
    file = DocumentDraft(
        kind="upd",
        number=shipment.number,
        issued_at=shipment.shipped_at,
        amount=total.gross,
        amount_nds=total.vat,
        shipment_id=shipment.id,
        file_name=upd.file_name,
        content_type="application/xml",
        content=upd.content,
    )
    return record, file


def _party(consignee: SandboxConsignee | None) -> Party | None:
    if consignee is None:
        return None
    return Party(consignee.name, consignee.inn, consignee.kpp, consignee.address)


def _edo_id(inn: str, kpp: str | None) -> str:
    return f"2BM-{inn}-{kpp}" if kpp else f"2BM-{inn}"
