"""What Komus does to an SAP requisition's order reaches SAP as IDocs."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree
from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.hub import Hub
from gateway.store.tables import Attempt, Order, OrderLine
from tests.komus.harness import Sandbox
from tests.sap.conftest import SapSandbox
from tests.sap.test_odata_intake import _item

TO_SHIPPED = 5 + 10 + 60 + 30 + 120 + 5


def _idocs(sap_sandbox: SapSandbox) -> dict[str, etree._Element]:
    found = {}
    for received in sap_sandbox.received():
        root = etree.fromstring(received["body"].encode())
        found[root.findtext("IDOC/EDI_DC40/MESTYP")] = root.find("IDOC")
    return found


def _ordered(gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox):
    first, second = komus.articles(2)
    sap_sandbox.add_items(
        [
            _item("10000010", 10, first.artnumber),
            _item("10000010", 20, second.artnumber),
        ]
    )
    sap.intakes["acme"].run_once()
    gateway.pipeline.submit_ready()


def _follow_komus(gateway: Hub, komus: Sandbox, sap_sandbox: SapSandbox) -> None:
    tracker = gateway.komus_connector.tracker  # type: ignore[attr-defined]
    komus.advance(TO_SHIPPED)
    tracker.run_once()
    gateway.dispatcher.run_once()
    sap_sandbox.expire_tokens()
    tracker.run_once()
    gateway.dispatcher.run_once()


def test_sap_receives_confirmation_delivery_and_invoice_idocs(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    _ordered(gateway, sap, sap_sandbox, komus)

    _follow_komus(gateway, komus, sap_sandbox)

    idocs = _idocs(sap_sandbox)
    assert set(idocs) == {"ORDRSP", "DESADV", "INVOIC"}
    with gateway.db.session() as session:
        order = session.execute(select(Order)).scalar_one()
        lines = (
            session.execute(select(OrderLine).order_by(OrderLine.line_no))
            .scalars()
            .all()
        )
    confirmation = idocs["ORDRSP"]
    assert confirmation.findtext("E1EDK02[QUALF='001']/BELNR") == "0010000010"
    assert [e.findtext("POSEX") for e in confirmation.iterfind("E1EDP01")] == [
        "000010",
        "000020",
    ]
    assert {e.findtext("MENEE") for e in confirmation.iterfind("E1EDP01")} == {"PCE"}
    delivery = idocs["DESADV"]
    assert delivery.findtext("E1EDL20/E1EDL24/E1EDL41/BSTNR") == "0010000010"
    assert delivery.findtext("E1EDL20/E1EDL24/LFIMG") == "2.000"
    invoice = idocs["INVOIC"]
    assert invoice.findtext("EDI_DC40/MESCOD") == "MM"
    assert invoice.findtext("E1EDKA1[PARVW='RS']/PARTN") == "0000100200"
    assert invoice.findtext("E1EDKA1[PARVW='RE']/PARTN") == "1710"
    assert invoice.findtext("E1EDK02[QUALF='009']/BELNR")
    assert invoice.findtext("E1EDK02[QUALF='001']/BELNR") == "0010000010"
    assert invoice.findtext("E1EDK03[IDDAT='012']/DATUM")
    items = invoice.findall("E1EDP01")
    assert [i.findtext("E1EDP02[QUALF='001']/ZEILE") for i in items] == [
        "000010",
        "000020",
    ]
    assert [i.findtext("E1EDP26[QUALF='003']/BETRG") for i in items] == [
        f"{line.net_amount:.2f}" for line in lines
    ]
    totals = {s.findtext("SUMID"): s.findtext("SUMME") for s in invoice.iter("E1EDS01")}
    assert Decimal(totals["011"]) == order.total
    assert Decimal(totals["010"]) + Decimal(totals["005"]) == order.total
    assert totals["012"] == totals["011"]


def test_an_sap_short_dump_is_retried_with_sap_message_on_the_attempt(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    _ordered(gateway, sap, sap_sandbox, komus)
    sap_sandbox.faults(writes="dump")

    _follow_komus(gateway, komus, sap_sandbox)

    with gateway.db.session() as session:
        attempts = session.execute(select(Attempt)).scalars().all()
    assert attempts and all(a.outcome == "failed" for a in attempts)
    assert all("CX_SY_ZERODIVIDE" in (a.response_excerpt or "") for a in attempts)
    assert sap_sandbox.received() == []
