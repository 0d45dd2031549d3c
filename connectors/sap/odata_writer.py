"""OData V2 bodies the gateway creates in SAP: inbound deliveries, supplier invoices.

SAP's V2 services want every Edm.Decimal as a JSON string ("2.000", "1234.50"), dates
as ``/Date(ms)/``, item numbers without leading zeros ("10"), document numbers with
their ALPHA zeros, and units in SAP's own codes (``ST``), with the ISO code beside
it where the service has a field for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.sap.alpha import alpha_in
from connectors.sap.dates import json_date
from connectors.sap.idoc_writer import OrderFacts, amount, qty
from connectors.sap.settings import SapChannel

DOCUMENT_LENGTH = 10
HEADER_TEXT_LENGTH = 25
INVOICE_REFERENCE_LENGTH = 16


def _body(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()


def inbound_delivery(channel: SapChannel, facts: OrderFacts) -> bytes:
    """A_InbDeliveryHeader with its items, one per shipped purchase order item."""
    items = []
    for item in facts.items:
        row = {
            "ReferenceSDDocument": alpha_in(item.reference.document, DOCUMENT_LENGTH),
            "ReferenceSDDocumentItem": item.reference.item,
            "ActualDeliveryQuantity": qty(item.quantity),
            "DeliveryQuantityUnit": item.unit_sap,
        }
        if channel.plant:
            row["Plant"] = channel.plant
        items.append(row)
    return _body(
        {
            "Supplier": alpha_in(channel.vendor, DOCUMENT_LENGTH),
            "to_DeliveryDocumentItem": {"results": items},
        }
    )


def delivery_quantity(quantity: Decimal) -> bytes:
    """The one field of an inbound delivery item SAP lets a supplier change."""
    return _body({"ActualDeliveryQuantity": qty(quantity)})


@dataclass
class BillFacts:
    number: str  # Komus's invoice number: SupplierInvoiceIDByInvcgParty
    issued_on: date
    posted_on: date
    total: Decimal


def supplier_invoice(channel: SapChannel, facts: OrderFacts, bill: BillFacts) -> bytes:
    """One deep create of A_SupplierInvoice: PO-referenced items and their taxes.

    Tax is given, not calculated by SAP, so the invoice posts with Komus's figures:
    items carry net amounts, ``to_SupplierInvoiceTax`` the VAT per tax code, and the
    gross amount is the document's total.
    """
    items = []
    taxes: dict[str, list[Decimal]] = {}
    for number, item in enumerate(facts.items, start=1):
        items.append(
            {
                "SupplierInvoiceItem": str(number),
                "PurchaseOrder": alpha_in(item.reference.document, DOCUMENT_LENGTH),
                "PurchaseOrderItem": item.reference.item,
                "DocumentCurrency": facts.currency,
                "SupplierInvoiceItemAmount": amount(item.net),
                "QuantityInPurchaseOrderUnit": qty(item.quantity),
                "PurchaseOrderQuantityUnit": item.unit_sap,
                "PurchaseOrderQtyUnitSAPCode": item.unit_sap,
                "PurchaseOrderQtyUnitISOCode": item.unit_iso,
                "TaxCode": item.tax_code,
            }
        )
        base, vat = taxes.setdefault(item.tax_code, [Decimal(0), Decimal(0)])
        taxes[item.tax_code] = [base + item.net, vat + item.vat]
    header = {
        "CompanyCode": channel.company_code,
        "DocumentDate": json_date(bill.issued_on),
        "PostingDate": json_date(bill.posted_on),
        "SupplierInvoiceIDByInvcgParty": bill.number[:INVOICE_REFERENCE_LENGTH],
        "InvoicingParty": alpha_in(channel.vendor, DOCUMENT_LENGTH),
        "DocumentCurrency": facts.currency,
        "InvoiceGrossAmount": amount(bill.total),
        "TaxIsCalculatedAutomatically": False,
        "DocumentHeaderText": f"Komus {facts.order_number}"[:HEADER_TEXT_LENGTH],
        "to_SuplrInvcItemPurOrdRef": {"results": items},
        "to_SupplierInvoiceTax": {
            "results": [
                {
                    "TaxCode": code,
                    "DocumentCurrency": facts.currency,
                    "TaxAmount": amount(vat),
                    "TaxBaseAmountInTransCrcy": amount(base),
                }
                for code, (base, vat) in sorted(taxes.items())
            ]
        },
    }
    return _body(header)
