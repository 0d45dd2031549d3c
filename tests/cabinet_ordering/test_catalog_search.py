"""Catalog search over REST: name, article, barcode and category, with the
tenant's price, its region's stock, minimum lots and analogues."""

from __future__ import annotations

from decimal import Decimal

from gateway.cabinet.catalog import SNAPSHOT_SECONDS
from gateway.config import DeliveryAddress
from tests.cabinet_ordering.shop import Shop
from tests.komus.harness import ACME_REGION


def test_search_by_barcode_finds_the_one_article_with_price_stock_and_lot(
    shop: Shop,
):
    article = shop.lotted()
    buyer = shop.buyer()

    answer = buyer.get("/catalog", params={"q": article.barcode})

    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["kind"] == "barcode"
    assert [i["article"] for i in found["items"]] == [str(article.artnumber)]
    hit = found["items"][0]
    assert Decimal(str(hit["offer"]["price"])) == shop.price(article)
    stock = shop.sandbox.catalog.stock[(ACME_REGION, article.artnumber)]
    assert Decimal(str(hit["offer"]["stock"])) == stock
    assert Decimal(str(hit["min_quantity"])) == article.min_quantity
    assert Decimal(str(hit["multiplicity"])) == article.multiplicity
    assert found["region"] == ACME_REGION


def test_search_by_article_returns_it_with_its_analogues(shop: Shop):
    article = next(
        a
        for a in shop.sandbox.catalog.articles.values()
        if a.analogues and ACME_REGION in a.regions
    )

    answer = shop.buyer().get("/catalog", params={"q": str(article.artnumber)})

    hit = answer.json()["items"][0]
    assert answer.json()["kind"] == "article"
    assert hit["name"] == article.name
    assert {a["article"] for a in hit["analogues"]} == {
        str(a) for a in article.analogues
    }
    assert all(Decimal(a["offer"]["price"]) > 0 for a in hit["analogues"] if a["offer"])


def test_search_by_name_ignores_case_and_matches_cyrillic_words(shop: Shop):
    article = shop.plain(1)[0]
    words = article.name.split()[:2]
    query = " ".join(words).upper()

    answer = shop.buyer().get("/catalog", params={"q": query, "page_size": 100})

    assert answer.status_code == 200
    found = answer.json()
    assert found["kind"] == "name"
    assert found["total"] >= 1
    names = [i["name"].casefold() for i in found["items"]]
    assert all(all(w.casefold() in n for w in words) for n in names)
    expected = [
        a
        for a in shop.sandbox.catalog.articles.values()
        if all(w.casefold() in a.name.casefold() for w in words)
    ]
    assert found["total"] == len(expected)


def test_search_by_category_lists_only_that_category(shop: Shop):
    article = shop.plain(1)[0]

    answer = shop.buyer().get(
        "/catalog", params={"category": article.category_id, "page_size": 100}
    )

    found = answer.json()
    assert found["kind"] == "category"
    expected = [
        a
        for a in shop.sandbox.catalog.articles.values()
        if a.category_id == article.category_id
    ]
    assert found["total"] == len(expected)
    assert all(i["category_id"] == article.category_id for i in found["items"])


def test_a_barcode_with_a_wrong_check_digit_is_refused_with_the_right_digit(
    shop: Shop,
):
    barcode = shop.plain(1)[0].barcode
    wrong = barcode[:12] + str((int(barcode[12]) + 1) % 10)

    answer = shop.buyer().get("/catalog", params={"q": wrong})

    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert "EAN-13 check digit" in message
    assert f"should be {barcode[12]}" in message


def test_an_unknown_article_finds_nothing(shop: Shop):
    answer = shop.buyer().get("/catalog", params={"q": "99"})

    assert answer.status_code == 200
    assert answer.json()["total"] == 0


def test_an_empty_search_asks_for_something_to_look_for(shop: Shop):
    answer = shop.buyer().get("/catalog", params={"q": "  "})

    assert answer.status_code == 422
    assert "name, an article or a barcode" in answer.json()["error"]["message"]


def test_a_viewer_token_cannot_search_and_an_all_tenant_token_names_the_tenant(
    shop: Shop,
):
    article = shop.plain(1)[0]

    viewer = shop.buyer(role="viewer").get("/catalog", params={"q": "ручка"})
    anonymous = shop.api.as_("manager").get(
        "/catalog", params={"q": str(article.artnumber)}
    )
    named = shop.api.as_("manager").get(
        "/catalog", params={"q": str(article.artnumber), "tenant": "acme"}
    )

    assert viewer.status_code == 403
    assert anonymous.status_code == 422
    assert named.status_code == 200
    assert named.json()["total"] == 1


def test_the_catalog_snapshot_is_read_again_once_it_is_old(shop: Shop, gateway, clock):
    article = shop.plain(1)[0]
    buyer = shop.buyer()
    buyer.get("/catalog", params={"q": str(article.artnumber)})
    requests = shop.sandbox.stats()

    buyer.get("/catalog", params={"q": str(article.artnumber)})
    cached = shop.sandbox.stats()
    clock.advance(SNAPSHOT_SECONDS + 1)
    buyer.get("/catalog", params={"q": str(article.artnumber)})
    refreshed = shop.sandbox.stats()

    assert served(cached) - served(requests) == 2  # prices and stock only
    assert served(refreshed) - served(cached) > 2  # elements, props, ... again


def served(stats: dict) -> int:
    return sum(int(n) for n in stats["requests"].values())


def test_stock_and_price_follow_the_delivery_address_region(shop: Shop, gateway):
    tenant = gateway.settings.tenant("acme")
    spb = DeliveryAddress(
        code="SPB", address="Санкт-Петербург, Невский пр., 28", komus_address_id="2002"
    )
    tenant.delivery_addresses.append(spb)
    article = next(
        a
        for a in shop.sandbox.catalog.articles.values()
        if {"77", "78"} <= set(a.regions)
        and shop.sandbox.catalog.stock[("77", a.artnumber)]
        != shop.sandbox.catalog.stock[("78", a.artnumber)]
    )
    buyer = shop.buyer()

    moscow = buyer.get("/catalog", params={"q": str(article.artnumber)}).json()
    piter = buyer.get(
        "/catalog", params={"q": str(article.artnumber), "address": "SPB"}
    ).json()

    assert (moscow["region"], piter["region"]) == ("77", "78")
    stock = shop.sandbox.catalog.stock
    assert (
        Decimal(piter["items"][0]["offer"]["stock"]) == stock[("78", article.artnumber)]
    )
    assert (
        Decimal(moscow["items"][0]["offer"]["stock"])
        == stock[("77", article.artnumber)]
    )
    assert Decimal(piter["items"][0]["offer"]["price"]) == shop.sandbox.price(
        article.artnumber, "78"
    )
