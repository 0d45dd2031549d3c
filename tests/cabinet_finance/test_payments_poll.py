"""Payments Komus receives come into the gateway once, with due dates and overdue."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema

from connectors.crm.events import payload_for
from gateway.cabinet.finances import balance, invoices, today
from tests.cabinet_finance.harness import DAY, PAY, World, total

SCHEMA = Path(__file__).resolve().parents[2] / "schemas/events/payment.overdue.json"


def _invoices(world: World, tenant: str = "acme"):
    with world.hub.db.session() as session:
        return invoices(session, tenant, today(world.clock))


def test_partial_payments_are_recorded_as_they_arrive(world: World):
    world.plan([{"afterDays": 5, "percent": 40}, {"afterDays": 20, "percent": 60}])
    world.invoiced_order("ЗК-PART")
    (invoice,) = world.documents("invoice")

    world.advance(5 * DAY)
    first = world.documents("payment")
    world.advance(15 * DAY)
    both = world.documents("payment")

    assert len(first) == 1
    assert first[0].total == (invoice.total * Decimal("0.4")).quantize(Decimal("0.01"))
    assert len(both) == 2 and total(both) == invoice.total
    assert len(world.events("payment.received")) == 2
    (state,) = _invoices(world)
    assert state.state == "paid" and state.outstanding == 0


def test_a_payment_seen_twice_is_recorded_once(world: World):
    world.plan([{"afterDays": 1, "percent": 100}])
    world.invoiced_order("ЗК-ONCE")
    world.advance(DAY)

    world.poll()
    world.poll()

    assert len(world.documents("payment")) == 1
    assert len(world.events("payment.received")) == 1


def test_a_payment_at_the_pay_stage_is_one_event_for_tracking_and_the_poll(
    world: World,
):
    world.invoiced_order("ЗК-STAGE")

    world.advance(PAY)
    world.poll()

    assert len(world.documents("payment")) == 1
    assert len(world.events("payment.received")) == 1


def test_due_date_follows_the_terms(world: World):
    world.terms("deferred", 30)
    world.invoiced_order("ЗК-TERMS")

    (state,) = _invoices(world)

    assert (state.due_on - state.issued_on).days == 30
    assert state.state == "open" and state.overdue_days == 0


def test_prepayment_is_due_on_the_invoice_day(world: World):
    world.terms("prepayment")
    world.plan([])
    world.invoiced_order("ЗК-PRE")

    world.advance(DAY)
    (state,) = _invoices(world)

    assert state.due_on == state.issued_on
    assert state.overdue_days == 1


def test_an_unpaid_invoice_is_announced_overdue_once(world: World):
    world.terms("deferred", 3)
    world.plan([])
    world.invoiced_order("ЗК-LATE")

    world.advance(3 * DAY)
    on_due_day = world.events("payment.overdue")
    world.advance(DAY)
    world.advance(DAY)
    later = world.events("payment.overdue")

    assert on_due_day == []
    assert len(later) == 1
    assert later[0].data["days_overdue"] == 1
    assert later[0].document_id == world.documents("invoice")[0].id
    (state,) = _invoices(world)
    assert state.overdue_days == 2 and state.state == "overdue"


def test_balance_sums_invoices_payments_and_overdue(world: World):
    world.terms("deferred", 2)
    world.plan([{"afterDays": 1, "percent": 50}])
    world.invoiced_order("ЗК-BAL-1")
    world.invoiced_order("ЗК-BAL-2", count=1)

    world.advance(3 * DAY)
    with world.hub.db.session() as session:
        found = balance(session, "acme", today(world.clock))

    billed = total(world.documents("invoice"))
    paid = total(world.documents("payment"))
    assert found.invoiced == billed and found.paid == paid
    assert 0 < paid < billed
    assert found.outstanding == billed - paid
    assert found.overdue == found.outstanding and found.overdue_invoices == 2


def test_the_overdue_webhook_body_matches_its_schema(world: World):
    world.terms("deferred", 1)
    world.plan([])
    world.invoiced_order("ЗК-HOOK")
    world.advance(2 * DAY)
    (event,) = world.events("payment.overdue")

    with world.hub.db.session() as session:
        body = payload_for(session, event)

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    assert body["data"]["invoice"]["days_overdue"] == "1"
    assert body["data"]["document"]["kind"] == "invoice"
