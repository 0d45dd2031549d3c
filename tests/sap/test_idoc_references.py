"""IDocs name the purchase order item and the tenant's tax code."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.hub import Hub
from gateway.store.tables import OrderLine
from tests.komus.harness import Sandbox
from tests.sap.conftest import SapSandbox
from tests.sap.test_routes_back import PO, TAX_CODES, follow_komus, ordered


@pytest.fixture
def sap_routes() -> str:
    return "        tax_codes:\n" + "\n".join(
        f'          "{rate}": {code}' for rate, code in TAX_CODES.items()
    )


def test_idocs_reference_the_po_items_with_the_tenants_tax_codes(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    ordered(gateway, sap, sap_sandbox, komus)

    follow_komus(gateway, komus)

    idocs = {}
    for received in sap_sandbox.received():
        root = etree.fromstring(received["body"].encode())
        idocs[root.findtext("IDOC/EDI_DC40/MESTYP")] = root.find("IDOC")
    with gateway.db.session() as session:
        rates = [
            line.vat_rate
            for line in session.execute(
                select(OrderLine).order_by(OrderLine.line_no)
            ).scalars()
        ]
    confirmation, invoice = idocs["ORDRSP"], idocs["INVOIC"]
    assert confirmation.findtext("E1EDK02[QUALF='001']/BELNR") == PO
    assert [e.findtext("POSEX") for e in confirmation.iterfind("E1EDP01")] == [
        "000010",
        "000030",
    ]
    assert idocs["DESADV"].findtext("E1EDL20/E1EDL24/E1EDL41/BSTNR") == PO
    items = invoice.findall("E1EDP01")
    assert [i.findtext("E1EDP02[QUALF='001']/ZEILE") for i in items] == [
        "000010",
        "000030",
    ]
    assert [i.findtext("E1EDP04/MWSKZ") for i in items] == [
        TAX_CODES[rate] for rate in rates
    ]
