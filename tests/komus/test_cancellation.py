"""A requisition withdrawn after it was ordered cancels its Komus order."""

from __future__ import annotations

from sqlalchemy import select

from gateway.store.tables import Delivery, Order
from tests.komus.harness import line, order_of, receive


def test_withdrawn_requisition_cancels_the_komus_order_and_the_gateway_follows(
    gateway, connector, sandbox
):
    lines = [line(sandbox.articles(1)[0], 1)]
    requisition_id = receive(gateway, "ЗК-WITHDRAWN", lines)
    gateway.pipeline.submit_ready()
    receive(gateway, "ЗК-WITHDRAWN", lines, revision="2", cancelled=True)

    gateway.dispatcher.run_once()
    connector.tracker.run_once()

    order = order_of(gateway, requisition_id)
    assert order.status == "cancelled"
    assert order.komus_status_code == "X"
    with gateway.db.session() as session:
        (delivery,) = session.execute(
            select(Delivery).where(Delivery.channel == "komus")
        ).scalars()
    assert delivery.state == "delivered"


def test_cancel_komus_refuses_after_shipment_ends_as_a_dead_letter(
    gateway, connector, sandbox
):
    lines = [line(sandbox.articles(1)[0], 1)]
    requisition_id = receive(gateway, "ЗК-LATE", lines)
    gateway.pipeline.submit_ready()
    sandbox.advance(5 + 10 + 60 + 30 + 120)
    connector.tracker.run_once()
    receive(gateway, "ЗК-LATE", lines, revision="2", cancelled=True)

    gateway.dispatcher.run_once()

    with gateway.db.session() as session:
        (delivery,) = session.execute(
            select(Delivery).where(Delivery.channel == "komus")
        ).scalars()
        status = session.execute(
            select(Order.status).where(Order.requisition_id == requisition_id)
        ).scalar_one()
    assert delivery.state == "dead"
    assert "HTTP 409" in delivery.last_error
    assert status == "shipped"
