"""An ORDERS05 IDoc (message ORDERS or ORDCHG) as a source record.

The PO number is E1EDK01-BELNR or the E1EDK02 reference 001; the Komus article is the
supplier's material number (E1EDP19 qualifier 002), the buyer's material 001; units
are ISO codes (MENEE), turned into ОКЕИ through ``sap_units.csv``. The IDoc number
is the revision, so an IDoc sent twice is kept once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from connectors.sap.alpha import alpha_out
from connectors.sap.idoc_xml import Idoc, field, qualified, read_idocs, segments
from connectors.sap.settings import CHANNEL
from connectors.sap.units import UnitTable
from gateway.records import SourceRecord

CONTENT_TYPE = "application/vnd.sap.idoc+xml"
DOCUMENT_DATES = ("012", "022", "029", "025")


def order_number(idoc: Idoc) -> str:
    header = idoc.element.find("E1EDK01")
    reference = qualified(idoc.element, "E1EDK02", "001")
    return alpha_out(field(header, "BELNR") or field(reference, "BELNR"))


def record_from_idoc(tenant_id: str, idoc: Idoc, units: UnitTable) -> SourceRecord:
    element = idoc.element
    number = order_number(idoc)
    return SourceRecord(
        tenant_id=tenant_id,
        channel=CHANNEL,
        external_id=number,
        revision=alpha_out(idoc.control.get("DOCNUM")),
        payload=idoc.text(),
        kind="requisition",
        content_type=CONTENT_TYPE,
        fields={
            "number": number,
            "document_date": _document_date(element),
            "currency": field(element.find("E1EDK01"), "CURCY") or "RUB",
            "comment": f"SAP IDoc {idoc.control.get('MESTYP', '')} {number}".strip(),
        },
        lines=[_line(item, units) for item in segments(element, "E1EDP01")],
    )


def records_from_message(
    tenant_id: str, payload: bytes, units: UnitTable
) -> list[SourceRecord]:
    return [record_from_idoc(tenant_id, idoc, units) for idoc in read_idocs(payload)]


def _document_date(element: etree._Element) -> str | None:
    for qualifier in DOCUMENT_DATES:
        date = field(qualified(element, "E1EDK03", qualifier, "IDDAT"), "DATUM")
        if date:
            return f"{date[:4]}-{date[4:6]}-{date[6:8]}"
    reference = field(qualified(element, "E1EDK02", "001"), "DATUM")
    return f"{reference[:4]}-{reference[4:6]}-{reference[6:8]}" if reference else None


def _line(item: etree._Element, units: UnitTable) -> dict[str, object]:
    unit = field(item, "MENEE")
    supplier = qualified(item, "E1EDP19", "002")
    buyer = qualified(item, "E1EDP19", "001")
    return {
        "line_no": int(field(item, "POSEX") or 0) or None,
        "quantity": field(item, "MENGE"),
        "unit_code": units.okei(unit) or unit,
        "article": alpha_out(field(supplier, "IDTNR")) or None,
        "client_item_code": alpha_out(field(buyer, "IDTNR")) or None,
        "client_item_name": field(supplier, "KTEXT") or field(buyer, "KTEXT") or None,
        "expected_price": _unit_price(item),
    }


def _unit_price(item: etree._Element) -> str | None:
    try:
        price = Decimal(field(item, "VPREI") or "0")
        per = Decimal(field(item, "PEINH") or "1") or Decimal(1)
    except InvalidOperation:
        return None
    return str((price / per).quantize(Decimal("0.01"))) if price > 0 else None
