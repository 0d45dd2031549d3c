"""Requisitions checked with Komus before ordering: what cannot be delivered is held."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.komus.models import OrderDraft, OrderRowDraft
from connectors.komus.submission import idempotency_key
from gateway.store.tables import Order, Requisition
from tests.komus.harness import (
    ACME_REGION,
    count,
    line,
    order_of,
    receive,
    requisition,
)


def test_bad_lines_are_held_with_reasons_while_a_good_requisition_is_ordered(
    gateway, sandbox
):
    plain = sandbox.articles(1)[0]
    ream = sandbox.article(okei="778", min_quantity=Decimal(5), multiplicity=Decimal(5))
    price = sandbox.price(plain.artnumber)
    below_lot = receive(gateway, "ЗК-LOT", [line(ream, 3)])
    unknown = receive(gateway, "ЗК-UNKNOWN", [line(990000001, 1)])
    too_dear = receive(
        gateway, "ЗК-PRICE", [line(plain, 2, expected_price=price * Decimal("0.9"))]
    )
    good = receive(gateway, "ЗК-GOOD", [line(plain, 2, expected_price=price)])

    ordered = gateway.pipeline.submit_ready()

    assert ordered == 1
    assert requisition(gateway, good).state == "ordered"
    assert sandbox.stats()["ordersCreated"] == 1
    held = {
        name: requisition(gateway, rid)
        for name, rid in (("lot", below_lot), ("unknown", unknown), ("price", too_dear))
    }
    assert {name: r.state for name, r in held.items()} == dict.fromkeys(held, "held")
    assert held["lot"].hold_reason == (
        f"line 1: article {ream.artnumber} is sold from 5 at a time; 3 asked"
    )
    assert held["unknown"].hold_reason == (
        f"line 1: article 990000001 is not sold in region {ACME_REGION}"
    )
    assert held["price"].hold_reason.startswith(
        f"line 1: article {plain.artnumber} costs {price:.2f} at Komus, above the "
        f"expected {price * Decimal('0.9'):.2f} by more than 2 %"
    )


def test_quantity_off_the_multiplicity_is_held_with_the_nearest_quantities(
    gateway, sandbox
):
    ream = sandbox.article(okei="778", min_quantity=Decimal(5), multiplicity=Decimal(5))
    requisition_id = receive(gateway, "ЗК-MULT", [line(ream, 12)])

    gateway.pipeline.submit_ready()

    assert requisition(gateway, requisition_id).hold_reason == (
        f"line 1: article {ream.artnumber} is sold in multiples of 5; "
        "12 is not one (nearest: 10 or 15)"
    )


def test_price_within_the_tolerance_is_ordered(gateway, sandbox):
    plain = sandbox.articles(1)[0]
    expected = (sandbox.price(plain.artnumber) / Decimal("1.019")).quantize(
        Decimal("0.01")
    )
    requisition_id = receive(
        gateway, "ЗК-CLOSE", [line(plain, 1, expected_price=expected)]
    )

    gateway.pipeline.submit_ready()

    assert requisition(gateway, requisition_id).state == "ordered"


def test_short_stock_is_ordered_by_default_as_komus_confirms_part(gateway, sandbox):
    plain = sandbox.articles(1)[0]
    sandbox.set_stock(plain.artnumber, 1, ACME_REGION)
    requisition_id = receive(gateway, "ЗК-SHORT", [line(plain, 4)])

    gateway.pipeline.submit_ready()

    assert requisition(gateway, requisition_id).state == "ordered"


@pytest.mark.parametrize("komus_extra", [{"hold_on_short_stock": True}])
def test_short_stock_is_held_when_the_switch_says_so(gateway, sandbox):
    plain = sandbox.articles(1)[0]
    sandbox.set_stock(plain.artnumber, 1, ACME_REGION)
    requisition_id = receive(gateway, "ЗК-SHORT", [line(plain, 4)])

    gateway.pipeline.submit_ready()

    assert requisition(gateway, requisition_id).hold_reason == (
        f"line 1: only 1 of article {plain.artnumber} in stock in region "
        f"{ACME_REGION}, 4 asked"
    )


def test_order_lines_carry_komus_prices_with_vat_and_the_idempotency_key(
    gateway, sandbox
):
    plain = sandbox.articles(1)[0]
    requisition_id = receive(gateway, "ЗК-LINES", [line(plain, 3)])

    gateway.pipeline.submit_ready()

    order = order_of(gateway, requisition_id)
    assert order is not None
    komus = sandbox.stats()["orders"]
    assert komus == {"acme-komus-token": 1}
    price = sandbox.price(plain.artnumber)
    assert order.total == price * 3
    assert order.net_total + order.vat_total == order.total


def test_timeout_on_submission_leaves_exactly_one_order_at_komus(gateway, sandbox):
    plain = sandbox.articles(1)[0]
    sandbox.faults(
        timeout_rate=1,
        timeout_seconds=30,
        path_prefix="/orders",
        method="POST",
        count=1,
    )
    requisition_id = receive(gateway, "ЗК-TIMEOUT", [line(plain, 1)])

    gateway.pipeline.submit_ready()

    stats = sandbox.stats()
    assert stats["faultsInjected"]["timeout"] == 1
    assert stats["ordersCreated"] == 1
    assert stats["externalIdsUsedTwice"] == []
    assert requisition(gateway, requisition_id).state == "ordered"
    assert count(gateway, Order) == 1


def test_tenant_without_a_token_keeps_its_requisition_waiting(gateway, sandbox):
    gateway.settings.tenant("globex").komus.token = None
    requisition_id = receive(
        gateway, "ЗК-NOTOKEN", [line(sandbox.articles(1, "78")[0], 1)], "globex"
    )

    gateway.pipeline.submit_ready()

    assert requisition(gateway, requisition_id).state == "received"
    assert sandbox.stats()["requests"] == {}


def test_order_komus_already_holds_for_the_key_is_bound_not_placed_again(
    gateway, connector, sandbox
):
    plain = sandbox.articles(1)[0]
    requisition_id = receive(gateway, "ЗК-CRASH", [line(plain, 1)])
    key = idempotency_key(requisition(gateway, requisition_id))
    client = connector.clients.for_tenant(gateway.settings.tenant("acme"))
    placed = client.create_order(
        OrderDraft(
            external_id=key,
            rows=[OrderRowDraft(artnumber=plain.artnumber, quantity=1, line_ref="1")],
        )
    )

    gateway.pipeline.submit_ready()

    assert key == "acme:api:ЗК-CRASH:1"
    assert order_of(gateway, requisition_id).komus_order_id == str(placed.id)
    assert sandbox.stats()["ordersCreated"] == 1
    assert sandbox.stats()["createRequests"] == 1


def test_a_key_longer_than_komus_takes_becomes_a_stable_digest():
    long = Requisition(
        tenant_id="acme", channel="sap", external_id="4500012345" * 8, revision="3"
    )

    key = idempotency_key(long)

    assert len(key) == 64
    assert key.startswith("sha256:")
    assert key == idempotency_key(long.model_copy())
