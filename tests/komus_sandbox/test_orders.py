"""Placing orders: idempotent by externalId, lots and multiplicity, change, cancel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx

from gateway.money import round_money
from tests.komus_sandbox.conftest import (
    ACME_TOKEN,
    Sandbox,
    in_stock,
    place,
    row,
)


def test_new_external_id_creates_an_order(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]

    response = place(komus, "REQ-1", row(article, line_ref="10"))

    assert response.status_code == 201
    order = response.json()
    assert order["status"] == {"code": "N", "name": "Ожидает резервирования"}
    assert order["externalId"] == "REQ-1"
    assert order["dateCreate"] == "2026-02-02 09:00:00"
    assert order["rows"][0]["lineRef"] == "10"
    assert order["rows"][0]["quantityConfirmed"] is None


def test_same_external_id_returns_the_existing_order(
    sandbox: Sandbox, komus: httpx.Client
):
    first, second = in_stock(sandbox.catalog)[:2]
    created = place(komus, "REQ-1", row(first)).json()

    again = place(komus, "REQ-1", row(second))

    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again.json()["rows"][0]["artnumber"] == first.artnumber
    assert sandbox.stats()["ordersCreated"] == 1


def test_concurrent_creates_with_one_external_id_make_one_order(sandbox: Sandbox):
    article = in_stock(sandbox.catalog)[0]

    def create(_: int) -> httpx.Response:
        with sandbox.komus() as komus:
            return place(komus, "REQ-RACE", row(article))

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(create, range(10)))

    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    stats = sandbox.stats()
    assert stats["createRequests"] == 10
    assert stats["ordersCreated"] == 1 and stats["externalIdsUsedTwice"] == []


def test_external_ids_belong_to_their_token(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    mine = place(komus, "REQ-1", row(article)).json()

    with sandbox.komus(ACME_TOKEN) as acme:
        theirs = place(acme, "REQ-1", row(article))

    assert theirs.status_code == 201 and theirs.json()["id"] != mine["id"]


def test_order_is_found_by_external_id(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    place(komus, "REQ-1", row(article))
    created = place(komus, "REQ-2", row(article)).json()

    found = komus.get("/orders", params={"externalId": "REQ-2"}).json()
    missing = komus.get("/orders", params={"externalId": "REQ-3"}).json()

    assert [o["id"] for o in found["content"]] == [created["id"]]
    assert missing["content"] == [] and missing["count"] == 0


def test_order_of_another_token_is_not_found(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()

    with sandbox.komus(ACME_TOKEN) as acme:
        response = acme.get(f"/orders/{order['id']}")

    assert response.status_code == 404


def test_quantity_below_the_minimum_lot_is_refused(
    sandbox: Sandbox, komus: httpx.Client
):
    article = next(a for a in sandbox.catalog.articles.values() if a.min_quantity > 1)
    wanted = {"artnumber": article.artnumber, "quantity": 1}

    response = place(komus, "REQ-1", wanted)

    assert response.status_code == 400
    assert "minimum lot" in response.json()["details"][0]
    assert sandbox.stats()["ordersCreated"] == 0


def test_quantity_off_the_multiplicity_is_refused(
    sandbox: Sandbox, komus: httpx.Client
):
    article = next(a for a in sandbox.catalog.articles.values() if a.multiplicity == 10)
    wanted = {"artnumber": article.artnumber, "quantity": 15}

    response = place(komus, "REQ-1", wanted)

    assert response.status_code == 400
    assert "not a multiple of 10" in response.json()["details"][0]


def test_fractional_kilograms_are_accepted_in_steps(
    sandbox: Sandbox, komus: httpx.Client
):
    sugar = next(a for a in sandbox.catalog.articles.values() if a.okei == "166")
    wanted = {"artnumber": sugar.artnumber, "quantity": 2.5}

    response = place(komus, "REQ-1", wanted)

    assert response.status_code == 201
    assert response.json()["rows"][0]["quantity"] == 2.5


def test_unknown_article_is_refused_with_every_bad_row(komus: httpx.Client):
    response = place(
        komus,
        "REQ-1",
        {"artnumber": 1, "quantity": 1},
        {"artnumber": 2, "quantity": 1},
    )

    assert response.status_code == 400
    assert len(response.json()["details"]) == 2


def test_unknown_consignee_is_refused(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]

    response = komus.post(
        "/orders",
        json={"externalId": "REQ-1", "consigneeId": 2001, "rows": [row(article)]},
    )

    assert response.status_code == 400


def test_consignee_decides_the_region_and_the_price(
    sandbox: Sandbox, komus: httpx.Client
):
    article = in_stock(sandbox.catalog, region="50")[0]
    regional = sandbox.catalog.price(article.artnumber, "50")

    order = komus.post(
        "/orders",
        json={"externalId": "REQ-1", "consigneeId": 1002, "rows": [row(article)]},
    ).json()

    assert order["region"] == "50" and order["consigneeId"] == 1002
    assert Decimal(str(order["rows"][0]["price"])) == round_money(regional * 95 / 100)


def test_rows_change_before_reservation(sandbox: Sandbox, komus: httpx.Client):
    first, second = in_stock(sandbox.catalog)[:2]
    order = place(komus, "REQ-1", row(first), row(second)).json()

    changed = komus.patch(
        f"/orders/{order['id']}",
        json={
            "rows": [row(first, lots=3), {"artnumber": second.artnumber, "quantity": 0}]
        },
    )

    assert changed.status_code == 200
    rows = changed.json()["rows"]
    assert [(r["artnumber"], r["quantity"]) for r in rows] == [
        (first.artnumber, int(first.min_quantity * 3))
    ]


def test_rows_do_not_change_after_reservation(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    order = place(komus, "REQ-1", row(article)).json()
    sandbox.advance(5)

    response = komus.patch(f"/orders/{order['id']}", json={"rows": [row(article, 2)]})

    assert response.status_code == 409
    assert response.json()["status"] == 409


def test_cancel_before_shipping_releases_the_stock(
    sandbox: Sandbox, komus: httpx.Client
):
    article = in_stock(sandbox.catalog)[0]
    before = sandbox.stock(article.artnumber)
    order = place(komus, "REQ-1", row(article, lots=2)).json()
    sandbox.advance(5 + 10 + 60 + 30)
    assert sandbox.stock(article.artnumber) == before - 2 * article.min_quantity

    response = komus.post(
        f"/orders/{order['id']}/cancel", json={"reason": "передумали"}
    )

    assert response.status_code == 200
    assert response.json()["status"]["code"] == "X"
    assert response.json()["canceled"] == 1
    assert response.json()["cancelReason"] == "передумали"
    assert sandbox.stock(article.artnumber) == before


def test_cancel_twice_is_harmless(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()
    komus.post(f"/orders/{order['id']}/cancel")

    again = komus.post(f"/orders/{order['id']}/cancel")

    assert again.status_code == 200 and again.json()["status"]["code"] == "X"


def test_cancel_after_shipping_is_refused(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()
    sandbox.advance(5 + 10 + 60 + 30 + 120)

    response = komus.post(f"/orders/{order['id']}/cancel")

    assert response.status_code == 409
    assert komus.get(f"/orders/{order['id']}").json()["status"]["code"] == "S"


def test_cancelled_order_stops_moving(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()
    komus.post(f"/orders/{order['id']}/cancel")

    sandbox.advance(10_000)

    assert komus.get(f"/orders/{order['id']}").json()["status"]["code"] == "X"
