"""Ordering input refused with the reason that matters: an empty cart before the
form's choices, an unknown address in search as at checkout, a NUL in a note."""

from __future__ import annotations

from gateway.hub import Hub
from tests.cabinet_ordering.shop import Shop
from tests.cabinet_ordering.test_approvals_api import order, set_up_acme
from tests.komus.harness import requisition


def test_an_empty_cart_is_said_to_be_empty_even_without_a_cost_centre(shop: Shop):
    shop.api.admin.post(
        "/cost-centers", params={"tenant": "acme"}, json={"code": "IT", "name": "ИТ"}
    )

    answer = shop.buyer().post("/cart/checkout", json={})

    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "the cart is empty"


def test_search_refuses_an_unknown_address_as_checkout_does(shop: Shop):
    buyer = shop.buyer()
    article = shop.plain(1)[0]
    shop.add(buyer, article, 1)

    search = buyer.get(
        "/catalog", params={"q": str(article.artnumber), "address": "NOPE"}
    )
    checkout = buyer.post("/cart/checkout", json={"delivery_address": "NOPE"})

    assert search.status_code == 422
    assert checkout.status_code == 422
    reason = "delivery address 'NOPE' is not one of acme's"
    assert reason in search.json()["error"]["message"]
    assert search.json()["error"]["message"] == checkout.json()["error"]["message"]
    known = buyer.get(
        "/catalog", params={"q": str(article.artnumber), "address": "MAIN"}
    )
    assert known.status_code == 200, known.text


def test_a_rejection_note_with_a_nul_is_refused_and_the_order_stays_held(
    shop: Shop, gateway: Hub
):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer())
    path = f"/approvals/{done['approval_id']}/reject"

    answer = shop.api.as_("admin").post(path, json={"note": "нет\u0000"})

    assert answer.status_code == 422
    assert "NUL character" in answer.json()["error"]["message"]
    assert requisition(gateway, done["requisition_id"]).state == "held"
