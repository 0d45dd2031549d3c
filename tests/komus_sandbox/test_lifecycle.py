"""Orders moving on the sandbox clock: short stock, analogues, shipping in parts."""

from __future__ import annotations

import httpx

from tests.komus_sandbox.conftest import (
    Sandbox,
    in_stock,
    missing_with_analogue,
    missing_without_analogue,
    place,
    row,
    short,
)

# minutes from one status to the next with the default stages
RESERVE, INVOICE, PAY, PICK, SHIP, SHIP_REST, DELIVER, CLOSE = (
    5,
    10,
    60,
    30,
    120,
    1440,
    1440,
    4320,
)


def _status(komus: httpx.Client, order_id: int) -> str:
    return komus.get(f"/orders/{order_id}").json()["status"]["code"]


def test_order_walks_every_status_on_the_clock(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0], lots=2)).json()
    seen = [_status(komus, order["id"])]

    for minutes in (RESERVE, INVOICE, PAY, PICK, SHIP, DELIVER, CLOSE):
        sandbox.advance(minutes)
        seen.append(_status(komus, order["id"]))

    assert seen == ["N", "R", "I", "P", "C", "S", "D", "F"]


def test_one_long_jump_gives_the_same_history(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()

    sandbox.advance(10 * 24 * 60)
    final = komus.get(f"/orders/{order['id']}").json()

    assert final["status"]["code"] == "F"
    assert final["shipments"][0]["date"] == "2026-02-02 12:45:00"
    assert final["shipments"][0]["dateDelivered"] == "2026-02-03 12:45:00"
    assert final["dateModify"] == "2026-02-06 12:45:00"


def test_reservation_confirms_what_is_in_stock(sandbox: Sandbox, komus: httpx.Client):
    plenty = in_stock(sandbox.catalog)[0]
    order = place(komus, "REQ-1", row(plenty, lots=3)).json()

    sandbox.advance(RESERVE)
    reserved = komus.get(f"/orders/{order['id']}").json()

    assert reserved["rows"][0]["quantityConfirmed"] == reserved["rows"][0]["quantity"]


def test_short_stock_is_confirmed_partly(sandbox: Sandbox, komus: httpx.Client):
    scarce = short(sandbox.catalog)
    available = sandbox.catalog.stock["77", scarce.artnumber]
    order = place(komus, "REQ-1", row(scarce, lots=5)).json()

    sandbox.advance(RESERVE)
    reserved = komus.get(f"/orders/{order['id']}").json()

    confirmed = reserved["rows"][0]["quantityConfirmed"]
    assert 0 < confirmed <= available < reserved["rows"][0]["quantity"]
    assert reserved["status"]["code"] == "R"
    assert reserved["price"] == reserved["rows"][0]["total"]


def test_missing_article_is_replaced_by_an_analogue(
    sandbox: Sandbox, komus: httpx.Client
):
    missing = missing_with_analogue(sandbox.catalog)
    order = place(komus, "REQ-1", row(missing, line_ref="7")).json()

    sandbox.advance(RESERVE)
    rows = komus.get(f"/orders/{order['id']}").json()["rows"]

    ordered, analogue = rows
    assert ordered["quantityConfirmed"] == 0 and ordered["total"] == 0
    assert ordered["replacedBy"] == analogue["artnumber"]
    assert analogue["analogueFor"] == missing.artnumber
    assert analogue["artnumber"] in missing.analogues
    assert analogue["quantityConfirmed"] == ordered["quantity"]
    assert analogue["lineRef"] == "7"


def test_missing_article_without_analogue_is_confirmed_at_zero(
    sandbox: Sandbox, komus: httpx.Client
):
    missing = missing_without_analogue(sandbox.catalog)
    plenty = in_stock(sandbox.catalog)[0]
    order = place(komus, "REQ-1", row(missing), row(plenty)).json()

    sandbox.advance(RESERVE)
    reserved = komus.get(f"/orders/{order['id']}").json()

    assert [r["quantityConfirmed"] for r in reserved["rows"]][0] == 0
    assert reserved["rowsNumber"] == 2 and reserved["status"]["code"] == "R"


def test_order_with_nothing_to_confirm_is_cancelled(
    sandbox: Sandbox, komus: httpx.Client
):
    missing = missing_without_analogue(sandbox.catalog)
    order = place(komus, "REQ-1", row(missing)).json()

    sandbox.advance(RESERVE)
    cancelled = komus.get(f"/orders/{order['id']}").json()

    assert cancelled["status"]["code"] == "X" and cancelled["canceled"] == 1
    assert cancelled["cancelReason"] == "Нет товара в наличии"


def test_invoice_is_issued_after_reservation(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()
    sandbox.advance(RESERVE)
    early = komus.get(f"/orders/{order['id']}/invoice")

    sandbox.advance(INVOICE)
    invoiced = komus.get(f"/orders/{order['id']}").json()

    assert early.status_code == 404
    assert invoiced["invoiceDone"] == 1
    assert [d["kind"] for d in invoiced["documents"]] == ["invoice"]


def test_payment_is_recorded(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()

    sandbox.advance(RESERVE + INVOICE + PAY)
    paid = komus.get(f"/orders/{order['id']}").json()

    assert paid["paid"] == 1
    payment = paid["documents"][-1]
    assert payment["kind"] == "payment" and payment["hasFile"] is False
    assert payment["amount"] == paid["price"]


def test_split_shipping_goes_through_partially_shipped(start_sandbox):
    sandbox = start_sandbox(partial_shipments=True)
    first, second = in_stock(sandbox.catalog)[:2]
    with sandbox.komus() as komus:
        order = place(komus, "REQ-1", row(first), row(second)).json()

        sandbox.advance(RESERVE + INVOICE + PAY + PICK + SHIP)
        partly = komus.get(f"/orders/{order['id']}").json()
        sandbox.advance(SHIP_REST)
        fully = komus.get(f"/orders/{order['id']}").json()

    assert partly["status"]["code"] == "SP"
    assert [r["quantityShipped"] > 0 for r in partly["rows"]] == [True, False]
    assert fully["status"]["code"] == "S"
    assert len(fully["shipments"]) == 2
    assert all(r["quantityShipped"] == r["quantityConfirmed"] for r in fully["rows"])


def test_single_row_is_split_by_lots(start_sandbox):
    sandbox = start_sandbox(partial_shipments=True)
    article = in_stock(sandbox.catalog)[0]
    with sandbox.komus() as komus:
        order = place(komus, "REQ-1", row(article, lots=4)).json()

        sandbox.advance(RESERVE + INVOICE + PAY + PICK + SHIP)
        partly = komus.get(f"/orders/{order['id']}").json()

    shipped = partly["shipments"][0]["rows"][0]["quantity"]
    assert shipped == 2 * article.min_quantity
    assert partly["status"]["code"] == "SP"


def test_delivery_follows_each_shipment(start_sandbox):
    sandbox = start_sandbox(partial_shipments=True)
    first, second = in_stock(sandbox.catalog)[:2]
    with sandbox.komus() as komus:
        order = place(komus, "REQ-1", row(first), row(second)).json()

        sandbox.advance(RESERVE + INVOICE + PAY + PICK + SHIP + SHIP_REST + DELIVER)
        delivered = komus.get(f"/orders/{order['id']}").json()

    assert delivered["status"]["code"] == "D"
    assert all(s["delivered"] for s in delivered["shipments"])
    assert all(
        r["quantityDelivered"] == r["quantityShipped"] for r in delivered["rows"]
    )


def test_orders_list_filters_by_status_and_change(
    sandbox: Sandbox, komus: httpx.Client
):
    article = in_stock(sandbox.catalog)[0]
    first = place(komus, "REQ-1", row(article)).json()
    sandbox.advance(RESERVE)
    second = place(komus, "REQ-2", row(article)).json()

    reserved = komus.get("/orders", params={"status": "R"}).json()
    new = komus.get("/orders", params={"status": "N,X"}).json()
    changed = komus.get(
        "/orders", params={"modifiedSince": "2026-02-02 09:05:00"}
    ).json()

    assert [o["id"] for o in reserved["content"]] == [first["id"]]
    assert [o["id"] for o in new["content"]] == [second["id"]]
    assert [o["id"] for o in changed["content"]] == [first["id"], second["id"]]


def test_orders_list_pages_to_the_end(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    for number in range(7):
        place(komus, f"REQ-{number}", row(article))
    seen: list[str] = []
    page: int | None = 1

    while page is not None:
        body = komus.get("/orders", params={"page": page, "limit": 3}).json()
        seen += [o["externalId"] for o in body["content"]]
        page = body["next"]

    assert seen == [f"REQ-{n}" for n in range(7)]
    assert body["pages"] == 3 and body["count"] == 7


def test_orders_list_filters_by_creation_date(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    place(komus, "REQ-1", row(article))
    sandbox.advance(24 * 60)
    second = place(komus, "REQ-2", row(article)).json()

    found = komus.get(
        "/orders", params={"dateFrom": "2026-02-03", "dateTo": "2026-02-03"}
    ).json()

    assert [o["id"] for o in found["content"]] == [second["id"]]
