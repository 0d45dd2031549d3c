"""SAP tenants on OData and SOAP routes get their documents back that way."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.hub import Hub
from gateway.store.sap import SapDocument
from gateway.store.tables import Delivery, Order, OrderLine
from tests.komus.harness import Sandbox
from tests.sap.conftest import SapSandbox
from tests.sap.test_documents_back import TO_SHIPPED
from tests.sap.test_odata_intake import _item

PO = "4500000028"
TAX_CODES = {"22": "V7", "20": "V7", "10": "V2", "0": "V0", "без НДС": "V0"}
ROUTES = """        plant: "1710"
        routes:
          confirmation: soap
          shipment: odata
          invoice: odata
        tax_codes:
""" + "\n".join(f'          "{rate}": {code}' for rate, code in TAX_CODES.items())


@pytest.fixture
def sap_routes() -> str:
    return ROUTES


def ordered(gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox):
    """Two released requisition items that purchasing converted into PO items."""
    first, second = komus.articles(2)
    sap_sandbox.add_items(
        [
            _item("10000010", 10, first.artnumber, PurchasingDocument=PO,
                  PurchasingDocumentItem="10"),
            _item("10000010", 20, second.artnumber, PurchasingDocument=PO,
                  PurchasingDocumentItem="30", BaseUnit="PC"),
        ]
    )  # fmt: skip
    sap.intakes["acme"].run_once()
    gateway.pipeline.submit_ready()


def follow_komus(gateway: Hub, komus: Sandbox) -> None:
    tracker = gateway.komus_connector.tracker  # type: ignore[attr-defined]
    komus.advance(TO_SHIPPED)
    tracker.run_once()
    gateway.dispatcher.run_once()


def received(sap_sandbox: SapSandbox, kind: str, target: str = "") -> list[dict]:
    return [
        r
        for r in sap_sandbox.received()
        if r["kind"] == kind and r["target"].startswith(target)
    ]


def _order(gateway: Hub) -> tuple[Order, list[OrderLine]]:
    with gateway.db.session() as session:
        order = session.execute(select(Order)).scalar_one()
        lines = (
            session.execute(select(OrderLine).order_by(OrderLine.line_no))
            .scalars()
            .all()
        )
    return order, list(lines)


def test_a_released_item_becomes_an_order_confirmed_over_soap(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    ordered(gateway, sap, sap_sandbox, komus)

    follow_komus(gateway, komus)

    order, lines = _order(gateway)
    (message,) = received(sap_sandbox, "soap")
    root = etree.fromstring(message["body"].encode())
    request = root.find(".//{http://sap.com/xi/EDI}OrderConfirmationRequest")
    assert request.findtext("PurchaseOrder/ID") == PO
    items = request.findall("PurchaseOrder/Item")
    assert [item.findtext("ID") for item in items] == ["10", "30"]
    for item, line in zip(items, lines, strict=True):
        quantities = item.findall("ScheduleLine/Quantity")
        assert {q.get("unitCode") for q in quantities} == {"PCE"}
        assert sum(Decimal(q.text) for q in quantities) == line.quantity_confirmed
        assert all(q.text.endswith(".000") for q in quantities)
        assert item.find("ScheduleLine/DeliveryPeriod/StartDateTime") is not None
    assert request.findtext("PurchaseOrder/SellerID") == order.number


def test_the_shipment_becomes_an_inbound_delivery_for_the_po_items(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    ordered(gateway, sap, sap_sandbox, komus)

    follow_komus(gateway, komus)

    _, lines = _order(gateway)
    creates = received(sap_sandbox, "odata", "API_INBOUND_DELIVERY_SRV/")
    assert creates
    shipped: dict[str, Decimal] = {}
    for create in creates:
        body = json.loads(create["body"])
        assert body["Supplier"] == "0000100200"
        for item in body["to_DeliveryDocumentItem"]["results"]:
            assert item["ReferenceSDDocument"] == PO
            assert isinstance(item["ActualDeliveryQuantity"], str)
            assert item["DeliveryQuantityUnit"] == "ST"
            assert item["Plant"] == "1710"
            key = item["ReferenceSDDocumentItem"]
            shipped[key] = shipped.get(key, Decimal(0)) + Decimal(
                item["ActualDeliveryQuantity"]
            )
    assert shipped == {
        "10": lines[0].quantity_shipped,
        "30": lines[1].quantity_shipped,
    }
    with gateway.db.session() as session:
        kept = session.execute(
            select(SapDocument).where(SapDocument.kind == "shipment")
        ).scalars()
        assert all(row.sap_number and row.details["items"] for row in kept)


def test_the_invoice_becomes_one_supplier_invoice_with_tax_codes(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    ordered(gateway, sap, sap_sandbox, komus)

    follow_komus(gateway, komus)

    order, lines = _order(gateway)
    (create,) = received(sap_sandbox, "odata", "API_SUPPLIERINVOICE_PROCESS_SRV/")
    invoice = json.loads(create["body"])
    assert invoice["CompanyCode"] == "1710"
    assert invoice["InvoicingParty"] == "0000100200"
    assert invoice["DocumentCurrency"] == "RUB"
    assert invoice["InvoiceGrossAmount"] == f"{order.total:.2f}"
    assert invoice["SupplierInvoiceIDByInvcgParty"]
    items = invoice["to_SuplrInvcItemPurOrdRef"]["results"]
    assert [(i["PurchaseOrder"], i["PurchaseOrderItem"]) for i in items] == [
        (PO, "10"),
        (PO, "30"),
    ]
    assert [i["SupplierInvoiceItemAmount"] for i in items] == [
        f"{line.net_amount:.2f}" for line in lines
    ]
    assert [i["TaxCode"] for i in items] == [TAX_CODES[line.vat_rate] for line in lines]
    assert {i["PurchaseOrderQuantityUnit"] for i in items} == {"ST"}
    assert {i["PurchaseOrderQtyUnitISOCode"] for i in items} == {"PCE"}
    taxes = invoice["to_SupplierInvoiceTax"]["results"]
    assert sum(Decimal(t["TaxAmount"]) for t in taxes) == order.vat_total
    with gateway.db.session() as session:
        states = session.execute(select(Delivery.state)).scalars().all()
        kept = session.execute(
            select(SapDocument).where(SapDocument.kind == "invoice")
        ).scalar_one()
    assert set(states) == {"delivered"}
    assert kept.sap_number and kept.fiscal_year
