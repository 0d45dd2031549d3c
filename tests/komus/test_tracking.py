"""Orders followed at Komus: statuses, quantities and documents come back, once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from gateway.hub import Hub
from gateway.store.tables import (
    Document,
    DocumentFile,
    Event,
    OrderLine,
    OrderStatusChange,
)
from tests.komus.harness import ACME_REGION, line, order_of, receive

RESERVE, INVOICE, PAY, PICK, SHIP, DELIVER = 5, 10, 60, 30, 120, 1440
"""The sandbox's default minutes from one status to the next."""


def _ordered(gateway: Hub, lines: list[dict]) -> int:
    requisition_id = receive(gateway, "ЗК-TRACK", lines)
    assert gateway.pipeline.submit_ready() == 1
    order = order_of(gateway, requisition_id)
    assert order is not None and order.id is not None
    return order.id


def _after(gateway: Hub, connector, sandbox, minutes: float) -> str:
    sandbox.advance(minutes)
    connector.tracker.run_once()
    with gateway.db.session() as session:
        return session.execute(
            select(OrderStatusChange.to_status)
            .order_by(OrderStatusChange.id.desc())
            .limit(1)
        ).scalar_one()


def _lines(gateway: Hub, order_id: int) -> list[OrderLine]:
    with gateway.db.session() as session:
        return list(
            session.execute(
                select(OrderLine)
                .where(OrderLine.order_id == order_id)
                .order_by(OrderLine.line_no)
            ).scalars()
        )


def _events(gateway: Hub, kind: str | None = None) -> list[Event]:
    with gateway.db.session() as session:
        query = select(Event).order_by(Event.id)
        if kind:
            query = query.where(Event.type == kind)
        return list(session.execute(query).scalars())


def _files(gateway: Hub, kind: str) -> list[DocumentFile]:
    with gateway.db.session() as session:
        return list(
            session.execute(
                select(DocumentFile)
                .join(Document, Document.id == DocumentFile.document_id)
                .where(Document.kind == kind)
            ).scalars()
        )


def test_order_follows_komus_to_delivered_with_invoice_pdf_and_upd_kept(
    gateway, connector, sandbox
):
    articles = sandbox.articles(2)
    order_id = _ordered(gateway, [line(articles[0], 2), line(articles[1], 1)])

    path = [
        _after(gateway, connector, sandbox, minutes)
        for minutes in (RESERVE, INVOICE, PAY, PICK, SHIP, DELIVER)
    ]

    assert sandbox.stats()["ordersCreated"] == 1
    assert path == ["confirmed", "invoiced", "paid", "picking", "shipped", "delivered"]
    quantities = [
        (each.quantity_confirmed, each.quantity_delivered)
        for each in _lines(gateway, order_id)
    ]
    assert quantities == [(Decimal(2), Decimal(2)), (Decimal(1), Decimal(1))]
    (invoice,) = _files(gateway, "invoice")
    assert invoice.content.startswith(b"%PDF")
    assert invoice.content_type == "application/pdf"
    (upd,) = _files(gateway, "upd")
    assert upd.content.startswith(b"<?xml")
    assert b"windows-1251" in upd.content[:100]
    assert upd.filename.endswith(".xml")


def test_a_poll_that_finds_the_order_delivered_records_every_step_it_took(
    gateway, connector, sandbox
):
    order_id = _ordered(gateway, [line(sandbox.articles(1)[0], 2)])

    sandbox.advance(RESERVE + INVOICE + PAY + PICK + SHIP + DELIVER)
    connector.tracker.run_once()

    with gateway.db.session() as session:
        path = session.execute(
            select(OrderStatusChange.to_status)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        ).scalars()
        assert list(path) == [
            "submitted",
            "confirmed",
            "invoiced",
            "paid",
            "shipped",
            "delivered",
        ]


def test_a_poll_that_brings_nothing_new_changes_nothing(gateway, connector, sandbox):
    _ordered(gateway, [line(sandbox.articles(1)[0], 1)])
    _after(gateway, connector, sandbox, RESERVE + INVOICE)
    before = [event.type for event in _events(gateway)]

    connector.tracker.run_once()
    connector.tracker.run_once()

    assert [event.type for event in _events(gateway)] == before
    assert before.count("invoice.issued") == 1


def test_short_stock_confirms_the_line_partially(gateway, connector, sandbox):
    articles = sandbox.articles(2)
    sandbox.set_stock(articles[0].artnumber, 3, ACME_REGION)
    order_id = _ordered(gateway, [line(articles[0], 10), line(articles[1], 1)])

    status = _after(gateway, connector, sandbox, RESERVE)

    assert status == "partially_confirmed"
    confirmed = [each.quantity_confirmed for each in _lines(gateway, order_id)]
    assert confirmed == [Decimal(3), Decimal(1)]


def test_analogue_counts_for_the_line_and_is_announced_with_its_article(
    gateway, connector, sandbox
):
    ordered = next(
        a
        for a in sandbox.catalog.articles.values()
        if a.analogues
        and ACME_REGION in a.regions
        and a.okei == "796"
        and a.min_quantity == 1
        and a.multiplicity == 1
    )
    sandbox.set_stock(ordered.artnumber, 0, ACME_REGION)
    for analogue in ordered.analogues:
        if ACME_REGION in sandbox.catalog.articles[analogue].regions:
            sandbox.set_stock(analogue, 50, ACME_REGION)
    order_id = _ordered(gateway, [line(ordered, 1)])

    status = _after(gateway, connector, sandbox, RESERVE)

    assert status == "confirmed"
    (confirmed,) = _lines(gateway, order_id)
    assert confirmed.quantity_confirmed == Decimal(1)
    (substituted,) = _events(gateway, "order.line_substituted")
    assert substituted.data["article"] == str(ordered.artnumber)
    assert int(substituted.data["substitute"]) in ordered.analogues
    assert substituted.data["line_no"] == 1


def test_order_cancelled_at_komus_is_cancelled_in_the_gateway(
    gateway, connector, sandbox
):
    requisition_id = receive(gateway, "ЗК-CANCEL", [line(sandbox.articles(1)[0], 1)])
    gateway.pipeline.submit_ready()
    order = order_of(gateway, requisition_id)
    client = connector.clients.for_tenant(gateway.settings.tenant("acme"))
    client.cancel_order(order.komus_order_id, "передумали")

    status = _after(gateway, connector, sandbox, 0)

    assert status == "cancelled"
    assert [e.type for e in _events(gateway, "order.cancelled")] == ["order.cancelled"]


def test_an_order_placed_after_a_poll_is_followed_from_its_first_change(
    gateway, connector, sandbox
):
    articles = sandbox.articles(2)
    _ordered(gateway, [line(articles[0], 1)])
    _after(gateway, connector, sandbox, RESERVE + INVOICE)
    later = receive(gateway, "ЗК-LATER", [line(articles[1], 1)])
    gateway.pipeline.submit_ready()

    _after(gateway, connector, sandbox, RESERVE)

    order = order_of(gateway, later)
    assert order.status == "confirmed"
