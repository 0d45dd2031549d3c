"""The shared path: idempotent intake, bad requisitions held, orders bound."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gateway.errors import FinalError, RetryableError, ValidationFailed
from gateway.hub import Hub
from gateway.outbox import DeliveryDraft
from gateway.pipeline import SubmittedLine, SubmittedOrder
from gateway.plain import record_from_json
from gateway.store.tables import (
    Binding,
    Delivery,
    Event,
    Message,
    Order,
    OrderLine,
    Requisition,
    RequisitionLine,
)


def _record(hub: Hub, external_id: str = "ЗК-000123", revision: str = "1", **changes):
    body = {
        "external_id": external_id,
        "revision": revision,
        "number": "000123",
        "document_date": "2026-02-10",
        "lines": [
            {
                "article": "1034567",
                "quantity": "10",
                "unit_code": "796",
                "expected_price": "245,50",
                "vat_rate": "22",
            },
            {
                "client_item_code": "БУМ-A4",
                "article": "221133",
                "quantity": "5",
                "unit_code": "778",
                "expected_price": "390.00",
                "vat_rate": "22",
            },
        ],
    }
    body.update(changes)
    raw = json.dumps(body, ensure_ascii=False).encode()
    return record_from_json("acme", "api", body, raw)


def _count(hub: Hub, model) -> int:
    with hub.db.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


class FixedSubmitter:
    """Answers like Komus would for the test requisition, or raises what it is told."""

    def __init__(self, error: Exception | None = None):
        self.error = error
        self.calls = 0

    def submit(self, tenant, requisition, lines):
        self.calls += 1
        if self.error:
            raise self.error
        return SubmittedOrder(
            komus_order_id=f"K-{requisition.id}",
            number=f"KM{requisition.id:06d}",
            komus_status_code="N",
            lines=[
                SubmittedLine(
                    line_no=line.line_no,
                    article=line.article,
                    quantity=line.quantity,
                    price=line.expected_price,
                    vat_rate=line.vat_rate,
                    unit_code=line.unit_code,
                )
                for line in lines
            ],
        )


def test_same_source_record_ten_times_yields_one_requisition(hub):
    outcomes = [hub.pipeline.receive(_record(hub)).outcome for _ in range(10)]

    assert outcomes == ["created"] + ["duplicate"] * 9
    assert _count(hub, Requisition) == 1
    assert _count(hub, Message) == 10
    assert _count(hub, Binding) == 1


def test_concurrent_twins_yield_one_requisition(hub):
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(lambda _: hub.pipeline.receive(_record(hub)).outcome, range(16))
        )

    assert sorted(outcomes).count("created") == 1
    assert _count(hub, Requisition) == 1
    assert _count(hub, Message) == 16


def test_payload_is_kept_byte_for_byte_with_checksum(hub):
    record = _record(hub)

    intake = hub.pipeline.receive(record)

    with hub.db.session() as session:
        message = session.get(Message, intake.message_id)
    assert message.payload == record.payload
    assert len(message.checksum) == 64
    assert message.requisition_id == intake.requisition_id
    assert message.mapping_version == "plain/1"


def test_invalid_requisition_is_held_with_reasons_not_dropped(hub):
    record = _record(
        hub,
        lines=[
            {"article": "1034567", "quantity": "0", "unit_code": "796"},
            {"client_item_code": "X-1", "quantity": "2", "unit_code": "шт"},
            {"article": "55", "quantity": "два"},
        ],
        delivery_address_code="WAREHOUSE-9",
    )

    intake = hub.pipeline.receive(record)

    assert intake.outcome == "created"
    assert intake.state == "held"
    reasons = " | ".join(intake.problems)
    assert "line 1: quantity must be above zero" in reasons
    assert "line 2: unit 'шт' is not an ОКЕИ code" in reasons
    assert "line 2: client item 'X-1' has no Komus article" in reasons
    assert "line 3: quantity" in reasons
    assert "delivery address 'WAREHOUSE-9' is not one of the tenant's (MAIN)" in reasons
    with hub.db.session() as session:
        requisition = session.get(Requisition, intake.requisition_id)
        message = session.get(Message, intake.message_id)
    assert requisition.hold_reason
    assert message.state == "held"
    assert "quantity must be above zero" in message.error


def test_newer_revision_replaces_lines_and_older_one_is_stale(hub):
    first = hub.pipeline.receive(_record(hub, revision="2"))

    newer = hub.pipeline.receive(
        _record(hub, revision="3", lines=[{"article": "777", "quantity": "1"}])
    )
    older = hub.pipeline.receive(_record(hub, revision="1"))

    assert newer.outcome == "updated"
    assert older.outcome == "stale"
    assert newer.requisition_id == first.requisition_id == older.requisition_id
    with hub.db.session() as session:
        lines = session.execute(select(RequisitionLine)).scalars().all()
        requisition = session.get(Requisition, first.requisition_id)
    assert [(line.article, line.quantity) for line in lines] == [
        ("777", Decimal("1.000"))
    ]
    assert requisition.revision == "3"


def test_cancelled_revision_cancels_an_unordered_requisition(hub):
    hub.pipeline.receive(_record(hub, revision="1"))

    intake = hub.pipeline.receive(_record(hub, revision="2", cancelled=True))

    assert intake.outcome == "cancelled"
    with hub.db.session() as session:
        assert session.get(Requisition, intake.requisition_id).state == "cancelled"


def test_ready_requisition_becomes_one_order_with_vat_per_line(hub):
    submitter = FixedSubmitter()
    hub.pipeline.submitter = submitter
    intake = hub.pipeline.receive(_record(hub))

    assert hub.pipeline.submit_ready() == 1
    assert hub.pipeline.submit_ready() == 0

    with hub.db.session() as session:
        order = session.execute(select(Order)).scalar_one()
        lines = (
            session.execute(select(OrderLine).order_by(OrderLine.line_no))
            .scalars()
            .all()
        )
        requisition = session.get(Requisition, intake.requisition_id)
    assert submitter.calls == 1
    assert requisition.state == "ordered"
    assert order.status == "submitted"
    assert [line.vat_rate for line in lines] == ["22", "22"]
    assert [line.net_amount for line in lines] == [
        Decimal("2455.00"),
        Decimal("1950.00"),
    ]
    assert [line.vat_amount for line in lines] == [Decimal("540.10"), Decimal("429.00")]
    assert order.total == Decimal("5374.10")
    assert order.vat_total == sum(line.vat_amount for line in lines)


def test_vat_follows_the_document_date_before_2026(hub):
    hub.pipeline.submitter = FixedSubmitter()
    hub.pipeline.receive(_record(hub, document_date=str(date(2025, 12, 31))))

    hub.pipeline.submit_ready()

    with hub.db.session() as session:
        rates = session.execute(select(OrderLine.vat_rate)).scalars().all()
    assert rates == ["20", "20"]


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (ValidationFailed(["article 1034567 is not sold in region 77"]), "held"),
        (FinalError("Komus refused the order: contract closed"), "rejected"),
        (RetryableError("Komus answered 503"), "received"),
    ],
)
def test_submission_failure_decides_the_requisition_state(hub, error, state):
    hub.pipeline.submitter = FixedSubmitter(error)
    intake = hub.pipeline.receive(_record(hub))

    hub.pipeline.submit_ready()

    with hub.db.session() as session:
        requisition = session.get(Requisition, intake.requisition_id)
    assert requisition.state == state
    assert _count(hub, Order) == 0


def test_events_queue_their_deliveries_in_the_same_transaction(hub):
    def webhook_route(session, event):
        yield DeliveryDraft(
            tenant_id=event.tenant_id,
            channel="webhook",
            target="http://127.0.0.1:9/hook",
            payload=json.dumps({"type": event.type}).encode(),
            event_id=event.id,
            event_type=event.type,
        )

    hub.pipeline.routes.append(webhook_route)
    hub.pipeline.submitter = FixedSubmitter()

    hub.pipeline.receive(_record(hub))
    hub.pipeline.submit_ready()

    with hub.db.session() as session:
        events = session.execute(select(Event.type).order_by(Event.id)).scalars().all()
        deliveries = (
            session.execute(select(Delivery.event_type).order_by(Delivery.id))
            .scalars()
            .all()
        )
    assert events == ["requisition.received", "order.submitted"]
    assert deliveries == events


def test_replay_runs_a_stored_message_through_the_path_again(hub):
    original = hub.pipeline.receive(_record(hub, lines=[]))
    assert original.state == "held"

    intakes = hub.pipeline.replay_message(original.message_id, actor="integrator")

    assert [i.outcome for i in intakes] == ["duplicate"]
    with hub.db.session() as session:
        copy = session.get(Message, intakes[0].message_id)
    assert copy.replay_of == original.message_id


def test_concurrent_revisions_end_with_the_newest(hub):
    records = [
        _record(hub, revision=str(n), lines=[{"article": "123", "quantity": str(n)}])
        for n in range(1, 21)
    ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(hub.pipeline.receive, records))

    with hub.db.session() as session:
        requisition = session.execute(select(Requisition)).scalar_one()
        quantities = session.execute(select(RequisitionLine.quantity)).scalars().all()
    assert requisition.revision == "20"
    assert quantities == [Decimal("20.000")]


def test_repeated_line_numbers_are_held_and_every_line_kept(hub):
    record = _record(
        hub,
        lines=[
            {"line_no": 1, "article": "1", "quantity": "1"},
            {"line_no": 1, "article": "2", "quantity": "2"},
        ],
    )

    intake = hub.pipeline.receive(record)

    assert intake.state == "held"
    assert "line 1: line number used twice" in intake.problems
    with hub.db.session() as session:
        articles = (
            session.execute(
                select(RequisitionLine.article).order_by(RequisitionLine.line_no)
            )
            .scalars()
            .all()
        )
    assert articles == ["1", "2"]


def test_absurd_price_and_line_number_are_held_not_crashed(hub):
    record = _record(
        hub,
        lines=[
            {
                "line_no": 99999999999999999999,
                "article": "1",
                "quantity": "1",
                "expected_price": "99999999999999999999",
            },
        ],
    )

    intake = hub.pipeline.receive(record)

    assert intake.state == "held"
    assert any("not plausible" in p for p in intake.problems)
    assert any("line numbers run from 1 to 999999" in p for p in intake.problems)


def test_revision_with_non_ascii_digits_compares_as_text(hub):
    hub.pipeline.receive(_record(hub, revision="²"))

    later = hub.pipeline.receive(_record(hub, revision="3"))

    assert later.outcome in ("updated", "stale")


def test_a_first_revision_after_an_unrevised_post_is_newer(hub):
    hub.pipeline.receive(_record(hub, revision=""))

    numbered = hub.pipeline.receive(
        _record(hub, revision="1", lines=[{"article": "123", "quantity": "5"}])
    )

    assert numbered.outcome == "updated"


def test_cancelled_must_be_a_real_boolean(hub):
    hub.pipeline.receive(_record(hub, revision="1"))

    intake = hub.pipeline.receive(_record(hub, revision="2", cancelled="false"))

    assert intake.outcome == "updated"
    assert intake.state == "held"
    assert "cancelled: must be true or false, got 'false'" in intake.problems


def test_document_id_with_spaces_around_it_is_refused(hub):
    intake = hub.pipeline.receive(_record(hub, external_id="WS-1 "))

    assert intake.outcome == "failed"
    assert "has spaces around it" in intake.problems[0]
    with hub.db.session() as session:
        assert session.get(Message, intake.message_id).state == "failed"


def test_nul_characters_are_held_and_removed_so_the_requisition_is_kept(hub):
    record = _record(
        hub,
        comment="до\x00ставка",
        lines=[{"article": "1", "quantity": "1", "client_item_name": "ручка\x00"}],
    )

    intake = hub.pipeline.receive(record)

    assert intake.state == "held"
    assert "a text field contains a NUL character; it is removed" in intake.problems
    with hub.db.session() as session:
        assert session.get(Requisition, intake.requisition_id).comment == "доставка"


def test_replay_of_a_held_requisition_after_a_fix_takes_it_up_again(hub):
    from gateway.plain import PlainMapper

    class MissingArticle(PlainMapper):
        version = "items@1"

        def to_requisition(self, tenant, record):
            draft = super().to_requisition(tenant, record)
            draft.lines[0].article = None
            draft.lines[0].client_item_code = "БУМ-A4"
            return draft

    hub.mappers[("acme", "api")] = MissingArticle()
    held = hub.pipeline.receive(_record(hub))
    assert held.state == "held"
    del hub.mappers[("acme", "api")]  # the item table now knows the article

    intakes = hub.pipeline.replay_message(held.message_id, actor="integrator")

    assert [(i.outcome, i.state) for i in intakes] == [("updated", "received")]
    assert intakes[0].requisition_id == held.requisition_id
