"""A new version of a 1C order: the requisition follows, or the Komus order does,
or 1C hears why not. Versions are sample 06 with order 319 edited as 1C would."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from connectors.onec.reader import iter_documents
from connectors.onec.revisions import revision_of
from gateway.store.tables import OrderLine, RequisitionLine
from tests.onec.conftest import CML31_ORDERS
from tests.onec.harness import OneC, orders, requisitions

FIRST, NEXT = "AAAEVAAAAAA=", "AAAEVQAAAAA="


def version_of_319(*, quantity: str = "1", deleted: bool = False) -> bytes:
    """Sample 06 as 1C sends it after order 319 was edited and saved again."""
    text = CML31_ORDERS.read_bytes().decode("utf-8")
    text = text.replace(FIRST, NEXT, 1)
    text = text.replace(
        "<Количество>1</Количество>", f"<Количество>{quantity}</Количество>", 1
    )
    if deleted:
        text = text.replace(
            "<ПометкаУдаления>false</ПометкаУдаления>",
            "<ПометкаУдаления>true</ПометкаУдаления>",
            1,
        )
    return text.encode("utf-8")


def send(onec: OneC, data: bytes) -> str:
    onec.checkauth()
    onec.init()
    onec.upload("documents.xml", data)
    return onec.import_file("documents.xml")[-1].text


def test_versions_compare_by_the_number_1c_counts_them_with():
    assert int(revision_of(NEXT)) > int(revision_of(FIRST))


def test_a_new_version_before_ordering_updates_the_requisition(onec, gateway):
    send(onec, CML31_ORDERS.read_bytes())

    answer = send(onec, version_of_319(quantity="3"))

    requisition = requisitions(gateway)["319"]
    with gateway.db.session() as session:
        (line,) = session.execute(
            select(RequisitionLine).where(
                RequisitionLine.requisition_id == requisition.id
            )
        ).scalars()
    assert "1 updated" in answer and "3 duplicate" in answer
    assert requisition.revision == revision_of(NEXT)
    assert line.quantity == Decimal(3)


def test_an_older_version_changes_nothing(onec, gateway):
    send(onec, version_of_319(quantity="3"))

    answer = send(onec, CML31_ORDERS.read_bytes())

    assert "order L319 (Ид 319): stale" in answer
    assert requisitions(gateway)["319"].revision == revision_of(NEXT)


def test_a_version_marked_for_deletion_cancels_the_komus_order(
    onec, gateway, komus, sandbox
):
    send(onec, CML31_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()

    answer = send(onec, version_of_319(deleted=True))
    gateway.dispatcher.run_once()
    komus.tracker.run_once()

    assert "cancellation of Komus order" in answer
    assert orders(gateway)["319"].status == "cancelled"


def test_a_changed_version_while_komus_waits_changes_the_komus_order(
    onec, gateway, komus, sandbox
):
    send(onec, CML31_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()

    answer = send(onec, version_of_319(quantity="3"))
    gateway.dispatcher.run_once()

    order = orders(gateway)["319"]
    with gateway.db.session() as session:
        (line,) = session.execute(
            select(OrderLine).where(OrderLine.order_id == order.id)
        ).scalars()
    assert "change of Komus order" in answer
    assert line.quantity_ordered == Decimal(3)
    assert order.total == line.gross_amount


def test_a_change_after_komus_reserved_the_goods_is_refused_and_1c_told(
    onec, gateway, komus, sandbox
):
    send(onec, CML31_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()
    sandbox.advance(10)
    komus.tracker.run_once()

    answer = send(onec, version_of_319(quantity="3"))
    told = next(d for d in iter_documents(onec.query().body) if d.id == "319")

    assert answer.startswith("success\n")
    assert "Komus takes changes only before it reserves the goods" in answer
    assert (
        "only before it reserves the goods" in told.requisites["Изменение не принято"]
    )


def test_a_cancel_after_shipment_is_refused_and_1c_told(onec, gateway, komus, sandbox):
    send(onec, CML31_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()
    sandbox.advance(5 + 10 + 60 + 30 + 125)
    komus.tracker.run_once()

    answer = send(onec, version_of_319(deleted=True))
    told = next(d for d in iter_documents(onec.query().body) if d.id == "319")

    assert "has shipped; Komus cannot cancel it" in answer
    assert told.requisites["Отменен"] == "false"
    assert "cannot cancel" in told.requisites["Изменение не принято"]


def test_a_cancel_komus_refuses_because_the_order_shipped_meanwhile_reaches_1c(
    onec, gateway, komus, sandbox
):
    send(onec, CML31_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()
    answer = send(onec, version_of_319(deleted=True))
    sandbox.advance(5 + 10 + 60 + 30 + 125)

    gateway.dispatcher.run_once()
    told = next(d for d in iter_documents(onec.query().body) if d.id == "319")

    assert "cancellation of Komus order" in answer
    assert told.requisites["Отменен"] == "false"
    assert "Komus refused to cancel" in told.requisites["Изменение не принято"]
