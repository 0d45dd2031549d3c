"""Released SAP requisition items for the Komus vendor become Komus orders, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from connectors.sap.connector import SapConnector
from gateway.hub import Hub
from gateway.store.tables import Message, Order, Requisition, RequisitionLine
from tests.komus.harness import Sandbox, count
from tests.sap.conftest import SapSandbox


def _item(pr: str, item: int, article: int, **more: Any) -> dict[str, Any]:
    return {
        "PurchaseRequisition": pr,
        "PurchaseRequisitionItem": str(item),
        "PurchaseRequisitionItemText": f"Item {item}",
        "Material": "000000000000001234",
        "SupplierMaterialNumber": str(article),
        "RequestedQuantity": "2.000",
        "BaseUnit": "ST",
        "PurchaseRequisitionPrice": "0.000",
        "PurReqnPriceQuantity": "1",
        "PurReqnItemCurrency": "RUB",
        "FixedSupplier": "0000100200",
        "DeliveryDate": "2026-02-20T00:00:00Z",
        "PurReqCreationDate": "2026-02-09T00:00:00Z",
        "LastChangeDateTime": "2026-02-10T08:00:00Z",
    } | more


def _released_and_others(komus: Sandbox) -> list[dict[str, Any]]:
    first, second, third = komus.articles(3)
    return [
        _item("10000010", 10, first.artnumber),
        _item("10000010", 20, second.artnumber, BaseUnit="PC"),
        _item("10000010", 30, third.artnumber),
        _item("10000011", 10, first.artnumber, FixedSupplier="0000999999"),
        _item("10000012", 10, first.artnumber, ReleaseIsNotCompleted=True),
    ]


def test_released_items_for_the_vendor_become_one_order_across_polls(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    sap_sandbox.add_items(_released_and_others(komus))
    intake = sap.intakes["acme"]

    intake.run_once()
    gateway.pipeline.submit_ready()
    intake.run_once()
    sap_sandbox.expire_tokens()
    intake.run_once()
    gateway.pipeline.submit_ready()

    assert count(gateway, Requisition) == 1
    assert count(gateway, Order) == 1
    with gateway.db.session() as session:
        requisition = session.execute(select(Requisition)).scalar_one()
        lines = (
            session.execute(select(RequisitionLine).order_by(RequisitionLine.line_no))
            .scalars()
            .all()
        )
    assert (requisition.channel, requisition.external_id) == ("sap", "10000010")
    assert [line.line_no for line in lines] == [10, 20, 30]
    assert {line.unit_code for line in lines} == {"796"}
    assert lines[0].client_item_code == "1234"


def test_a_late_commit_inside_the_look_back_window_is_not_skipped(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    article = komus.articles(1)[0].artnumber
    sap_sandbox.add_items([_item("10000010", 10, article)])
    intake = sap.intakes["acme"]
    intake.run_once()

    sap_sandbox.add_items(
        [_item("10000013", 10, article, LastChangeDateTime="2026-02-10T07:55:00Z")]
    )
    outcomes = [intake.outcome for intake in intake.run_once()]

    assert sorted(outcomes) == ["created", "duplicate"]
    assert count(gateway, Requisition) == 2


def test_a_changed_item_makes_a_new_revision(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox, komus: Sandbox
):
    sap_sandbox.add_items(_released_and_others(komus)[:3])
    intake = sap.intakes["acme"]
    intake.run_once()

    sap_sandbox.change_items(
        {"PurchaseRequisitionItem": "20"},
        {"RequestedQuantity": "5.000", "LastChangeDateTime": "2026-02-10T08:05:00Z"},
    )
    outcomes = [intake.outcome for intake in intake.run_once()]

    assert outcomes == ["updated"]
    assert count(gateway, Requisition) == 1


def test_metadata_faults_are_reported_and_kept(
    gateway: Hub, sap: SapConnector, sap_sandbox: SapSandbox
):
    intake = sap.intakes["acme"]
    reasons = {}

    for fault in ("logon_page", "unauthorized", "dump"):
        sap_sandbox.faults(metadata=fault)
        assert intake.run_once() == []
        reasons[fault] = intake.last_error

    assert "HTML page instead of data" in reasons["logon_page"]
    assert "HTTP 401" in reasons["unauthorized"]
    assert "ABAP runtime error" in reasons["dump"]
    assert "CX_SY_ZERODIVIDE" in reasons["dump"]
    with gateway.db.session() as session:
        kept = session.execute(select(Message).where(Message.state == "failed"))
        errors = [message.error for message in kept.scalars()]
    assert len(errors) == 3
    assert not any("sap-secret-1" in (error or "") for error in errors)
