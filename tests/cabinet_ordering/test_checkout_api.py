"""Templates and checkout over REST: the cart becomes a ``cabinet`` requisition
and, through the same pipeline as every channel, a Komus order."""

from __future__ import annotations

from decimal import Decimal

from gateway.hub import Hub
from tests.cabinet_ordering.shop import Shop
from tests.komus.harness import ACME_TOKEN, order_of, requisition


def test_checkout_places_a_komus_order_with_every_line(shop: Shop, gateway: Hub):
    articles = shop.plain(3)
    buyer = shop.buyer()
    for number, article in enumerate(articles, start=1):
        shop.add(buyer, article, number)

    answer = buyer.post(
        "/cart/checkout", json={"delivery_address": "MAIN", "comment": "в офис"}
    )
    gateway.pipeline.submit_ready()

    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert done["state"] == "received"
    assert done["approval_id"] is None
    kept = requisition(gateway, done["requisition_id"])
    assert kept.channel == "cabinet"
    assert kept.state == "ordered"
    order = order_of(gateway, done["requisition_id"])
    assert order is not None and order.channel == "cabinet"
    placed = [
        o
        for o in shop.sandbox_orders(ACME_TOKEN)
        if o["id"] == int(order.komus_order_id)
    ]
    rows = {(r["artnumber"], Decimal(str(r["quantity"]))) for r in placed[0]["rows"]}
    assert rows == {(a.artnumber, Decimal(n)) for n, a in enumerate(articles, 1)}
    assert buyer.get("/cart").json()["lines"] == []


def test_checkout_of_an_empty_cart_or_to_an_unknown_address_is_refused(shop: Shop):
    buyer = shop.buyer()

    empty = buyer.post("/cart/checkout", json={})
    shop.add(buyer, shop.plain(1)[0], 1)
    elsewhere = buyer.post("/cart/checkout", json={"delivery_address": "MARS"})

    assert empty.status_code == 422
    assert "the cart is empty" in empty.json()["error"]["message"]
    assert elsewhere.status_code == 422
    assert "'MARS' is not one of acme's" in elsewhere.json()["error"]["message"]
    assert len(buyer.get("/cart").json()["lines"]) == 1


def test_a_comment_with_a_nul_character_is_refused_while_the_cart_stays(shop: Shop):
    buyer = shop.buyer()
    shop.add(buyer, shop.plain(1)[0], 1)

    answer = buyer.post(
        "/cart/checkout", json={"delivery_address": "MAIN", "comment": "в офис\x00"}
    )

    assert answer.status_code == 422, answer.text
    assert "NUL character" in answer.json()["error"]["message"]
    assert len(buyer.get("/cart").json()["lines"]) == 1


def test_a_template_saves_the_cart_and_loads_it_into_another_buyers_cart(
    shop: Shop,
):
    first, second = shop.plain(2)
    olga, ivan = shop.buyer(), shop.buyer()
    shop.add(olga, first, 10)
    shop.add(olga, second, 2)

    saved = olga.post("/templates", json={"name": "канцелярия на месяц"})
    listed = ivan.get("/templates").json()
    loaded = ivan.post(f"/templates/{saved.json()['id']}/load")

    assert saved.status_code == 201, saved.text
    assert [(t["name"], t["lines"]) for t in listed] == [("канцелярия на месяц", 2)]
    assert loaded.json() == {"added": 2, "skipped": []}
    lines = {
        line["article"]: Decimal(line["quantity"])
        for line in ivan.get("/cart").json()["lines"]
    }
    assert lines == {str(first.artnumber): 10, str(second.artnumber): 2}


def test_saving_a_template_needs_a_name_and_a_cart(shop: Shop):
    buyer = shop.buyer()

    empty = buyer.post("/templates", json={"name": "пусто"})
    shop.add(buyer, shop.plain(1)[0], 1)
    nameless = buyer.post("/templates", json={"name": "  "})

    assert empty.status_code == 422
    assert "cart is empty" in empty.json()["error"]["message"]
    assert nameless.status_code == 422
    assert "name" in nameless.json()["error"]["message"]


def test_a_template_name_with_a_nul_character_is_refused(shop: Shop):
    buyer = shop.buyer()
    shop.add(buyer, shop.plain(1)[0], 1)

    answer = buyer.post("/templates", json={"name": "на месяц\x00"})

    assert answer.status_code == 422, answer.text
    assert "NUL character" in answer.json()["error"]["message"]
    assert buyer.get("/templates").json() == []


def test_another_tenant_cannot_see_or_load_a_template(shop: Shop):
    acme = shop.buyer("acme")
    shop.add(acme, shop.plain(1)[0], 1)
    saved = acme.post("/templates", json={"name": "акме"}).json()
    globex = shop.buyer("globex")

    assert globex.get("/templates").json() == []
    loading = globex.post(f"/templates/{saved['id']}/load")
    assert loading.status_code == 404
    assert f"template {saved['id']} does not exist" in loading.text
