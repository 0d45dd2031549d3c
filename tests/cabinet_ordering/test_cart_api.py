"""The cart over REST: lots and multiples, changes, removal, bad input, isolation."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.store.tables import Message
from tests.cabinet_ordering.shop import Shop


def test_lines_add_up_and_are_priced_at_the_tenants_price(shop: Shop):
    first, second = shop.plain(2)
    buyer = shop.buyer()

    shop.add(buyer, first, 2)
    shop.add(buyer, first, "3")
    answer = shop.add(buyer, second, 1)

    assert answer.status_code == 201, answer.text
    cart = answer.json()
    quantities = {line["article"]: Decimal(line["quantity"]) for line in cart["lines"]}
    assert quantities == {str(first.artnumber): 5, str(second.artnumber): 1}
    expected = shop.price(first) * 5 + shop.price(second)
    assert Decimal(cart["total"]) == expected


def test_a_quantity_must_be_a_multiple_of_the_lot(shop: Shop):
    article = shop.lotted()
    buyer = shop.buyer()
    lot = article.multiplicity

    below = shop.add(buyer, article, str(lot - 1))
    between = shop.add(buyer, article, str(lot + 1))
    exact = shop.add(buyer, article, str(lot * 2))

    assert below.status_code == 422
    assert "minimum lot" in below.json()["error"]["message"]
    assert between.status_code == 422
    assert "not a multiple" in between.json()["error"]["message"]
    assert exact.status_code == 201


def test_changing_a_quantity_checks_the_lot_and_removing_empties_the_line(
    shop: Shop,
):
    article = shop.lotted()
    buyer = shop.buyer()
    shop.add(buyer, article, str(article.multiplicity))
    path = f"/cart/lines/{article.artnumber}"

    refused = buyer.patch(path, json={"quantity": str(article.multiplicity + 1)})
    changed = buyer.patch(path, json={"quantity": str(article.multiplicity * 3)})
    removed = buyer.delete(path)

    assert refused.status_code == 422
    assert Decimal(changed.json()["lines"][0]["quantity"]) == article.multiplicity * 3
    assert removed.json()["lines"] == []


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        (0, "above zero"),
        (-2, "cannot be negative"),
        ("1.5", "fractional"),
        ("abc", "quantity"),
        (None, "missing"),
        ("1.0001", "more than 3 decimal places"),
        ("100000000000000000000000", "too large"),
    ],
)
def test_bad_quantities_are_refused_with_a_reason_and_kept(shop: Shop, quantity, words):
    article = shop.plain(1)[0]

    answer = shop.add(shop.buyer(), article, quantity)

    assert answer.status_code == 422
    assert words in answer.json()["error"]["message"]
    with shop.api.hub.db.session() as session:
        kept = session.execute(
            select(Message).where(Message.channel == "cabinet")
        ).scalar_one()
    assert kept.state == "failed"
    assert words in (kept.error or "")
    assert json.loads(kept.payload)["quantity"] == quantity


def test_adding_up_beyond_any_order_is_refused_and_the_line_stays(shop: Shop):
    article = shop.plain(1)[0]
    buyer = shop.buyer()
    shop.add(buyer, article, "999999990")

    answer = shop.add(buyer, article, "10")

    assert answer.status_code == 422, answer.text
    assert "too large" in answer.json()["error"]["message"]
    line = buyer.get("/cart").json()["lines"][0]
    assert Decimal(line["quantity"]) == Decimal("999999990")


def test_an_unknown_article_is_refused(shop: Shop):
    answer = shop.add(shop.buyer(), "99", 1)

    assert answer.status_code == 422
    assert "'99' is not in the Komus catalog" in answer.json()["error"]["message"]


def test_clearing_empties_only_the_callers_cart(shop: Shop):
    article = shop.plain(1)[0]
    mine, colleague = shop.buyer(), shop.buyer()
    shop.add(mine, article, 1)
    shop.add(colleague, article, 4)

    assert mine.delete("/cart").status_code == 204

    assert mine.get("/cart").json()["lines"] == []
    assert Decimal(colleague.get("/cart").json()["lines"][0]["quantity"]) == 4


def test_a_tenant_token_cannot_touch_another_tenants_cart(shop: Shop):
    article = shop.plain(1)[0]
    acme = shop.buyer("acme")

    answer = acme.get("/cart", params={"tenant": "globex"})
    adding = acme.post(
        "/cart/lines",
        params={"tenant": "globex"},
        json={"article": str(article.artnumber), "quantity": 1},
    )

    assert answer.status_code == 403
    assert adding.status_code == 403
