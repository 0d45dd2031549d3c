"""Komus news moves orders along their lifecycle and becomes events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from gateway.progress import (
    DocumentFileDraft,
    LineNews,
    OrderNews,
    apply_news,
    record_document,
)
from gateway.store.tables import DocumentFile, Event, Order, OrderStatusChange
from tests.gateway.test_pipeline import FixedSubmitter, _record


def _order(hub) -> int:
    hub.pipeline.submitter = FixedSubmitter()
    hub.pipeline.receive(_record(hub))
    hub.pipeline.submit_ready()
    with hub.db.session() as session:
        return session.execute(select(Order.id)).scalar_one()


def _events(hub) -> list[str]:
    with hub.db.session() as session:
        return session.execute(select(Event.type).order_by(Event.id)).scalars().all()


def test_confirmation_below_ordered_is_partial_and_announced(hub):
    order_id = _order(hub)

    status = apply_news(
        hub.pipeline,
        order_id,
        OrderNews(
            lines=[LineNews(1, confirmed=Decimal(6)), LineNews(2, confirmed=Decimal(5))]
        ),
    )

    assert status == "partially_confirmed"
    assert _events(hub)[-2:] == ["order.status_changed", "order.confirmed"]
    with hub.db.session() as session:
        change = (
            session.execute(
                select(OrderStatusChange).order_by(OrderStatusChange.id.desc())
            )
            .scalars()
            .first()
        )
    assert (change.from_status, change.to_status) == (
        "submitted",
        "partially_confirmed",
    )


def test_repeated_news_changes_nothing(hub):
    order_id = _order(hub)
    news = OrderNews(
        lines=[LineNews(1, confirmed=Decimal(10)), LineNews(2, confirmed=Decimal(5))]
    )
    apply_news(hub.pipeline, order_id, news)
    before = _events(hub)

    status = apply_news(hub.pipeline, order_id, news)

    assert status == "confirmed"
    assert _events(hub) == before


def test_shipment_of_everything_confirmed_makes_the_order_shipped(hub):
    order_id = _order(hub)
    apply_news(
        hub.pipeline,
        order_id,
        OrderNews(
            invoiced=True,
            lines=[
                LineNews(1, confirmed=Decimal(10)),
                LineNews(2, confirmed=Decimal(5)),
            ],
        ),
    )

    status = apply_news(
        hub.pipeline,
        order_id,
        OrderNews(
            lines=[LineNews(1, shipped=Decimal(10)), LineNews(2, shipped=Decimal(5))]
        ),
    )

    assert status == "shipped"


def test_news_against_the_lifecycle_keeps_the_status(hub):
    order_id = _order(hub)
    apply_news(
        hub.pipeline,
        order_id,
        OrderNews(
            paid=True,
            lines=[
                LineNews(1, confirmed=Decimal(10)),
                LineNews(2, confirmed=Decimal(5)),
            ],
        ),
    )

    status = apply_news(hub.pipeline, order_id, OrderNews(cancelled=True))

    assert status == "paid"
    assert "order.cancelled" not in _events(hub)


def test_document_is_kept_once_with_its_file_and_announced(hub):
    order_id = _order(hub)
    pdf = DocumentFileDraft("Счет 123.pdf", "application/pdf", b"%PDF-1.4 ...")

    first = record_document(
        hub.pipeline,
        order_id,
        kind="invoice",
        external_id="INV-123",
        number="123",
        document_date=date(2026, 2, 11),
        total=Decimal("5374.10"),
        files=[pdf],
    )
    again = record_document(
        hub.pipeline, order_id, kind="invoice", external_id="INV-123"
    )

    assert first[1] is True and again == (first[0], False)
    assert _events(hub).count("invoice.issued") == 1
    with hub.db.session() as session:
        files = session.execute(select(DocumentFile)).scalars().all()
    assert [f.filename for f in files] == ["Счет 123.pdf"]


def test_states_missed_between_polls_are_walked_through(hub):
    order_id = _order(hub)

    status = apply_news(
        hub.pipeline,
        order_id,
        OrderNews(
            paid=True,
            lines=[
                LineNews(1, confirmed=Decimal(10)),
                LineNews(2, confirmed=Decimal(5)),
            ],
        ),
    )

    assert status == "paid"
    with hub.db.session() as session:
        steps = (
            session.execute(
                select(OrderStatusChange.to_status).order_by(OrderStatusChange.id)
            )
            .scalars()
            .all()
        )
    assert steps == ["submitted", "confirmed", "invoiced", "paid"]
    assert "order.confirmed" in _events(hub)
