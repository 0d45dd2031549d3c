"""A requisition whose items SAP deletes after ordering cancels its Komus order."""

from __future__ import annotations

from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.hub import Hub
from gateway.store.tables import Delivery, Event, Requisition
from tests.komus.harness import Sandbox
from tests.sap.conftest import SapSandbox
from tests.sap.test_odata_intake import _item


def test_deleting_every_item_cancels_the_order_through_the_outbox(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    first, second = komus.articles(2)
    sap_sandbox.add_items(
        [
            _item("10000010", 10, first.artnumber),
            _item("10000010", 20, second.artnumber),
        ]
    )
    intake = sap.intakes["acme"]
    intake.run_once()
    gateway.pipeline.submit_ready()

    sap_sandbox.change_items(
        {"PurchaseRequisition": "10000010"},
        {"IsDeleted": "L", "LastChangeDateTime": "2026-02-11T09:00:00Z"},
    )
    intake.run_once()
    gateway.dispatcher.run_once()

    with gateway.db.session() as session:
        revised = session.execute(
            select(Event).where(Event.type == "requisition.revised")
        ).scalar_one()
        cancel = session.execute(
            select(Delivery).where(Delivery.channel == "komus")
        ).scalar_one()
    assert revised.data["cancel"] is True
    assert cancel.state == "delivered"


def test_items_awaiting_release_again_leave_the_order_alone(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    (article,) = komus.articles(1)
    sap_sandbox.add_items([_item("10000010", 10, article.artnumber)])
    intake = sap.intakes["acme"]
    intake.run_once()
    gateway.pipeline.submit_ready()

    sap_sandbox.change_items(
        {"PurchaseRequisition": "10000010"},
        {"ReleaseIsNotCompleted": True, "LastChangeDateTime": "2026-02-11T09:00:00Z"},
    )
    intake.run_once()

    with gateway.db.session() as session:
        events = session.execute(select(Event.type)).scalars().all()
        requisition = session.execute(select(Requisition)).scalar_one()
        cancels = session.execute(
            select(Delivery).where(Delivery.channel == "komus")
        ).all()
    assert "requisition.revised" not in events
    assert requisition.state != "cancelled"
    assert cancels == []
