"""IDocs the gateway sends into SAP: ORDRSP, DESADV (DELVRY03) and INVOIC02.

Every field is text as SAP reads it: quantities with three decimals, amounts with
two, dates ``YYYYMMDD``, item numbers six digits, units as ISO codes (MENEE),
numeric document numbers with their ALPHA zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from connectors.sap.alpha import alpha_in, numc
from connectors.sap.references import ItemReference
from connectors.sap.settings import SapChannel

DOCUMENT_LENGTH = 10


@dataclass
class ItemFacts:
    line_no: int
    article: str
    client_item_code: str | None
    unit_iso: str
    quantity: Decimal
    price: Decimal
    net: Decimal
    vat: Decimal
    vat_rate: str
    reference: ItemReference  # the purchase order item this line answers to
    unit_sap: str = ""  # SAP's own unit code (ST), where ISO (PCE) is not wanted
    tax_code: str = ""  # SAP's tax code (MWSKZ) for the line's VAT rate


@dataclass
class OrderFacts:
    """What a document about one order needs, read from the store."""

    order_number: str
    sap_reference: str  # the SAP document the order answers to (PO, else PR)
    currency: str
    items: list[ItemFacts] = field(default_factory=list)


def qty(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.001'))}"


def amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _segment(parent: etree._Element, name: str, **values: str) -> etree._Element:
    segment = etree.SubElement(parent, name, SEGMENT="1")
    for key, value in values.items():
        etree.SubElement(segment, key).text = value
    return segment


def _idoc(
    channel: SapChannel, basic: str, message: str, number: str, code: str = ""
) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(basic)
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    now = datetime.now(UTC)
    _segment(
        idoc,
        "EDI_DC40",
        TABNAM="EDI_DC40",
        MANDT=channel.client,
        DOCNUM=numc(number, 16),
        DIRECT="2",
        IDOCTYP=basic,
        MESTYP=message,
        MESCOD=code,
        SNDPOR=channel.idoc_port,
        SNDPRT="LS",
        SNDPRN=channel.idoc_partner,
        RCVPOR=channel.sap_port,
        RCVPRT="LS",
        RCVPRN=channel.sap_partner,
        CREDAT=day(now),
        CRETIM=now.strftime("%H%M%S"),
    )
    return root, idoc


def _reference(facts: OrderFacts) -> str:
    return alpha_in(facts.sap_reference, DOCUMENT_LENGTH)


def _document(item: ItemFacts) -> str:
    return alpha_in(item.reference.document, DOCUMENT_LENGTH)


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def confirmation(
    channel: SapChannel, facts: OrderFacts, number: str, delivery: date | None
) -> bytes:
    """ORDRSP: the PO (E1EDK02 001), Komus's order (002), confirmed lines (E1EDP20)."""
    root, idoc = _idoc(channel, "ORDERS05", "ORDRSP", number)
    _segment(
        idoc, "E1EDK01", ACTION="000", CURCY=facts.currency, BELNR=facts.order_number
    )
    _segment(idoc, "E1EDK02", QUALF="001", BELNR=_reference(facts))
    _segment(idoc, "E1EDK02", QUALF="002", BELNR=facts.order_number)
    for item in facts.items:
        line = _segment(
            idoc,
            "E1EDP01",
            POSEX=numc(item.reference.item, 6),
            ACTION="000",
            MENGE=qty(item.quantity),
            MENEE=item.unit_iso,
            VPREI=amount(item.price),
            PEINH="1",
            NETWR=amount(item.net),
        )
        schedule = {"WMENG": qty(item.quantity)}
        if delivery is not None:
            schedule["EDATU"] = day(delivery)
        _segment(line, "E1EDP20", **schedule)
        _segment(line, "E1EDP19", QUALF="002", IDTNR=item.article)
    return _xml(root)


def shipment(
    channel: SapChannel,
    facts: OrderFacts,
    number: str,
    delivery_number: str,
    shipped_on: date,
) -> bytes:
    """DESADV/DELVRY03: a delivery (E1EDL20), items pointing at PO lines (E1EDL41)."""
    root, idoc = _idoc(channel, "DELVRY03", "DESADV", number)
    header = _segment(idoc, "E1EDL20", VBELN=delivery_number)
    _segment(header, "E1EDT13", QUALF="007", NTANF=day(shipped_on))
    for item in facts.items:
        line = _segment(
            header,
            "E1EDL24",
            POSNR=numc(item.line_no, 6),
            KDMAT=item.client_item_code or "",
            LFIMG=qty(item.quantity),
            VRKME=item.unit_iso,
        )
        _segment(
            line,
            "E1EDL41",
            QUALI="001",
            BSTNR=_document(item),
            POSEX=numc(item.reference.item, 6),
        )
    return _xml(root)


@dataclass
class InvoiceFacts:
    number: str
    issued_on: date
    vendor: str  # Komus's vendor number in SAP: the invoicing party
    bill_to: str  # the tenant's company code or partner number in SAP
    bill_to_name: str
    net: Decimal
    vat: Decimal
    total: Decimal


def invoice(
    channel: SapChannel, facts: OrderFacts, number: str, bill: InvoiceFacts
) -> bytes:
    """INVOIC02 with what SAP's logistics invoice verification (INVL) reads.

    Invoicing party E1EDKA1 RS, bill-to RE, invoice number E1EDK02 009, PO reference
    001 per header and E1EDP02 001 per item, document date E1EDK03 012, item amounts
    E1EDP26 003, tax E1EDP04, totals E1EDS01 010 (net), 011 (gross), 012 (gross for
    cash discount) and 005 (tax).
    """
    root, idoc = _idoc(channel, "INVOIC02", "INVOIC", number, code="MM")
    _segment(idoc, "E1EDK01", CURCY=facts.currency, BSART="INVO", BELNR=bill.number)
    _segment(idoc, "E1EDKA1", PARVW="RS", PARTN=alpha_in(bill.vendor, 10))
    _segment(idoc, "E1EDKA1", PARVW="RE", PARTN=bill.bill_to, NAME1=bill.bill_to_name)
    _segment(idoc, "E1EDK02", QUALF="009", BELNR=bill.number, DATUM=day(bill.issued_on))
    _segment(idoc, "E1EDK02", QUALF="001", BELNR=_reference(facts))
    _segment(idoc, "E1EDK03", IDDAT="012", DATUM=day(bill.issued_on))
    _segment(idoc, "E1EDK03", IDDAT="024", DATUM=day(bill.issued_on))
    for item in facts.items:
        line = _segment(
            idoc,
            "E1EDP01",
            POSEX=numc(item.reference.item, 6),
            MENGE=qty(item.quantity),
            MENEE=item.unit_iso,
            VPREI=amount(item.price),
            PEINH="1",
            NETWR=amount(item.net),
        )
        _segment(
            line,
            "E1EDP02",
            QUALF="001",
            BELNR=_document(item),
            ZEILE=numc(item.reference.item, 6),
        )
        _segment(line, "E1EDP19", QUALF="002", IDTNR=item.article)
        _segment(line, "E1EDP26", QUALF="003", BETRG=amount(item.net))
        # Without a tax code SAP derives one from the rate through T076M.
        _segment(
            line,
            "E1EDP04",
            MWSKZ=item.tax_code,
            MSATZ=_rate(item.vat_rate),
            MWSBT=amount(item.vat),
        )
    _segment(idoc, "E1EDS01", SUMID="001", SUMME=str(len(facts.items)))
    _segment(idoc, "E1EDS01", SUMID="005", SUMME=amount(bill.vat), WAERQ=facts.currency)
    _segment(idoc, "E1EDS01", SUMID="010", SUMME=amount(bill.net), WAERQ=facts.currency)
    _segment(
        idoc, "E1EDS01", SUMID="011", SUMME=amount(bill.total), WAERQ=facts.currency
    )
    _segment(
        idoc, "E1EDS01", SUMID="012", SUMME=amount(bill.total), WAERQ=facts.currency
    )
    return _xml(root)


def _rate(vat_rate: str) -> str:
    digits = "".join(ch for ch in vat_rate if ch.isdigit() or ch == ".")
    return f"{Decimal(digits or '0'):.2f}"
