"""What SAP refuses on the OData and SOAP routes is kept, explained and retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.clock import ManualClock
from gateway.hub import Hub
from gateway.lifecycle import OrderStatus
from gateway.store.sap import SapDocument
from gateway.store.tables import Attempt, Delivery, Order, OrderLine
from tests.komus.harness import Sandbox
from tests.sap.conftest import SapSandbox
from tests.sap.test_routes_back import (
    PO,
    ROUTES,
    TAX_CODES,
    follow_komus,
    ordered,
    received,
)

DELIVERY_SERVICE = "API_INBOUND_DELIVERY_SRV"


@pytest.fixture
def sap_routes() -> str:
    return ROUTES


@pytest.fixture
def clock(gateway: Hub) -> ManualClock:
    """The outbox's clock, so that a retry's time comes without waiting."""
    manual = ManualClock(datetime.now(UTC))
    gateway.outbox.clock = manual
    return manual


def _attempts(gateway: Hub) -> list[Attempt]:
    with gateway.db.session() as session:
        return list(session.execute(select(Attempt).order_by(Attempt.id)).scalars())


def _deliveries(gateway: Hub) -> list[Delivery]:
    with gateway.db.session() as session:
        return list(session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def _delivered_short(gateway: Hub) -> None:
    """Komus reports the order delivered, one piece short on the first line."""
    with gateway.db.session() as session:
        order = session.execute(select(Order)).scalar_one()
        lines = session.execute(
            select(OrderLine)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
        ).scalars()
        for number, line in enumerate(lines):
            line.quantity_delivered = line.quantity_shipped - (1 if number == 0 else 0)
        gateway.pipeline.record_event(
            session,
            order.tenant_id,
            "order.status_changed",
            {"order_id": order.id, "status": OrderStatus.DELIVERED.value},
            order_id=order.id,
        )


def test_a_stale_etag_is_read_again_and_the_change_sent_once_more(
    gateway: Hub,
    sap: SapConnector,
    sap_sandbox: SapSandbox,
    komus: Sandbox,
    clock: ManualClock,
):
    ordered(gateway, sap, sap_sandbox, komus)
    follow_komus(gateway, komus)
    sap_sandbox.touch(DELIVERY_SERVICE, "A_InbDeliveryItem")

    _delivered_short(gateway)
    gateway.dispatcher.run_once()

    (change,) = [r for r in received(sap_sandbox, "odata") if r["method"] == "PATCH"]
    assert "A_InbDeliveryItem(DeliveryDocument=" in change["target"]
    assert change["if_match"] == "W/\"'2'\""
    assert json.loads(change["body"]) == {"ActualDeliveryQuantity": "1.000"}
    assert {d.state for d in _deliveries(gateway)} == {"delivered"}
    with gateway.db.session() as session:
        row = session.execute(
            select(SapDocument).where(SapDocument.kind == "shipment")
        ).scalar_one()
    assert "W/\"'3'\"" in [item["etag"] for item in row.details["items"].values()]


def test_sap_answering_412_keeps_its_message_and_retries_on_schedule(
    gateway: Hub,
    sap: SapConnector,
    sap_sandbox: SapSandbox,
    komus: Sandbox,
    clock: ManualClock,
):
    ordered(gateway, sap, sap_sandbox, komus)
    follow_komus(gateway, komus)
    sap_sandbox.faults(writes="stale")

    _delivered_short(gateway)
    gateway.dispatcher.run_once()

    failed = [a for a in _attempts(gateway) if a.outcome == "failed"]
    assert [a.status_code for a in failed] == [412]
    assert "Precondition failed" in (failed[0].response_excerpt or "")
    change = [d for d in _deliveries(gateway) if d.event_type == "order.status_changed"]
    assert [d.state for d in change] == ["retrying"]

    sap_sandbox.faults(writes=None)
    clock.advance(60)
    gateway.dispatcher.run_once()

    assert {d.state for d in _deliveries(gateway)} == {"delivered"}


def test_sap_refusals_are_kept_on_the_attempt_and_dead_lettered_with_payload(
    gateway: Hub,
    sap: SapConnector,
    sap_sandbox: SapSandbox,
    komus: Sandbox,
    clock: ManualClock,
):
    httpx.post(
        f"{sap_sandbox.url}/sandbox/rows/API_PURCHASEORDER_PROCESS_SRV/"
        "A_PurchaseOrderItem",
        json=[{"PurchaseOrder": PO, "PurchaseOrderItem": "10"}],
    ).raise_for_status()
    ordered(gateway, sap, sap_sandbox, komus)
    sap_settings = gateway.settings.tenant("acme").channels["sap"]
    sap_settings.model_extra["tax_codes"] = {rate: "V8" for rate in TAX_CODES}

    follow_komus(gateway, komus)

    by_event = {d.event_type: d for d in _deliveries(gateway)}
    invoice, confirmation = by_event["invoice.issued"], by_event["order.confirmed"]
    assert invoice.state == "dead" and invoice.payload
    assert "FF/704" in (invoice.last_error or "")
    attempts = {a.delivery_id: a for a in _attempts(gateway)}
    assert "Tax code 'V8' is not defined" in attempts[invoice.id].response_excerpt
    assert attempts[invoice.id].status_code == 400
    assert confirmation.state == "dead"
    assert "item 30 does not exist" in attempts[confirmation.id].response_excerpt
    assert by_event["shipment.dispatched"].state == "delivered"


def test_an_abap_dump_is_retried_until_sap_takes_every_document(
    gateway: Hub,
    sap: SapConnector,
    sap_sandbox: SapSandbox,
    komus: Sandbox,
    clock: ManualClock,
):
    ordered(gateway, sap, sap_sandbox, komus)
    sap_sandbox.faults(writes="dump")

    follow_komus(gateway, komus)

    attempts = _attempts(gateway)
    assert len(attempts) == 3
    assert all(a.outcome == "failed" and a.status_code == 500 for a in attempts)
    assert all("CX_SY_ZERODIVIDE" in (a.response_excerpt or "") for a in attempts)
    assert {d.state for d in _deliveries(gateway)} == {"retrying"}
    assert sap_sandbox.received() == []

    sap_sandbox.faults(writes=None)
    clock.advance(60)
    gateway.dispatcher.run_once()

    assert {d.state for d in _deliveries(gateway)} == {"delivered"}
    kinds = sorted(
        (r["kind"], r["target"].split("/")[0]) for r in sap_sandbox.received()
    )
    assert kinds == [
        ("odata", DELIVERY_SERVICE),
        ("odata", "API_SUPPLIERINVOICE_PROCESS_SRV"),
        ("soap", ""),
    ]
