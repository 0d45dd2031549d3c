"""The generated catalogue and the catalogue endpoints: paging, batches, regions."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx

from connectors.komus.sandbox.barcodes import is_valid_ean13
from connectors.komus.sandbox.catalog import generate_catalog
from tests.komus_sandbox.conftest import GLOBEX_TOKEN, Sandbox


def test_catalog_is_the_same_for_the_same_seed():
    first = generate_catalog(7, 500)
    second = generate_catalog(7, 500)

    assert first.articles == second.articles
    assert first.prices == second.prices
    assert first.stock == second.stock


def test_catalog_has_office_supplies_in_several_units_and_rates():
    catalog = generate_catalog(20260101)

    units = Counter(article.okei for article in catalog.articles.values())
    rates = Counter(article.vat.value for article in catalog.articles.values())
    names = " ".join(article.name for article in catalog.articles.values())

    assert len(catalog.articles) >= 500
    assert {"796", "778", "704", "625", "166"} <= set(units)
    assert rates["10"] > 0 and rates["22"] > 0
    assert "SvetoCopy" in names and "Тетрадь школьная" in names


def test_every_barcode_has_a_valid_check_digit():
    catalog = generate_catalog(20260101)

    assert all(is_valid_ean13(a.barcode) for a in catalog.articles.values())


def test_school_goods_are_taxed_at_ten_percent():
    catalog = generate_catalog(20260101)
    school = next(c.id for c in catalog.categories if c.name == "Школьные товары")
    children = {c.id for c in catalog.categories if c.parent_id == school}

    rates = {
        a.vat.value for a in catalog.articles.values() if a.category_id in children
    }

    assert rates == {"10"}


def test_stock_is_short_or_zero_for_some_articles():
    catalog = generate_catalog(20260101)
    levels = [catalog.stock["77", a] for a in catalog.articles]

    assert any(level == 0 for level in levels)
    assert any(0 < level < 20 for level in levels)


def test_paging_reaches_every_article_exactly_once(komus: httpx.Client):
    seen: list[int] = []
    page: int | None = 1

    while page is not None:
        body = komus.get("/elements", params={"page": page, "limit": 97}).json()
        seen += [item["artnumber"] for item in body["content"]]
        page = body["next"]

    assert len(seen) == len(set(seen)) == body["count"] == 600
    assert body["pages"] == 7 and body["prev"] == 6


def test_page_past_the_end_is_empty(komus: httpx.Client):
    body = komus.get("/elements", params={"page": 99, "limit": 1000}).json()

    assert body["content"] == [] and body["next"] is None and body["count"] == 600


def test_limit_above_the_maximum_is_a_bad_request(komus: httpx.Client):
    response = komus.get("/elements", params={"limit": 1001})

    assert response.status_code == 400
    assert response.json()["status"] == 400 and response.json()["details"]


def test_categories_form_a_tree(komus: httpx.Client):
    items = komus.get("/categories", params={"region": "77"}).json()["content"]
    ids = {item["id"] for item in items}

    assert all(item["parentId"] in ids | {0} for item in items)
    assert any(item["parentId"] == 0 for item in items)


def test_furniture_is_not_sold_in_the_urals(sandbox: Sandbox):
    furniture = next(
        a for a in sandbox.catalog.articles.values() if "66" not in a.regions
    )

    with sandbox.komus(GLOBEX_TOKEN) as komus:
        urals = komus.post(
            "/prices/",
            params={"region": "66"},
            json={"artnumbers": [furniture.artnumber]},
        ).json()
        categories = komus.get("/categories", params={"region": "66"}).json()

    assert urals["artnumberLost"] == [furniture.artnumber]
    assert "Офисная мебель" not in {c["name"] for c in categories["content"]}


def test_region_outside_the_token_is_refused(komus: httpx.Client):
    response = komus.get("/categories", params={"region": "66"})

    assert response.status_code == 400


def test_shipdata_lists_the_token_regions(komus: httpx.Client):
    body = komus.get("/shipdata/").json()

    assert [item["shipmentInfo"]["regionID"] for item in body["content"]] == [
        "77",
        "50",
    ]


def test_batch_of_250_is_answered(sandbox: Sandbox, komus: httpx.Client):
    artnumbers = list(sandbox.catalog.articles)[:250]

    body = komus.post("/prices/", json={"artnumbers": artnumbers}).json()

    assert body["count"] == 250 and body["artnumberLost"] == []


def test_batch_of_251_is_refused(sandbox: Sandbox, komus: httpx.Client):
    artnumbers = list(sandbox.catalog.articles)[:251]

    response = komus.post("/stock/", json={"artnumbers": artnumbers})

    assert response.status_code == 400
    assert response.json()["message"] == "Некорректный запрос"


def test_empty_batch_is_refused(komus: httpx.Client):
    response = komus.post("/props/", json={"artnumbers": []})

    assert response.status_code == 400


def test_unknown_articles_come_back_as_lost(sandbox: Sandbox, komus: httpx.Client):
    known = list(sandbox.catalog.articles)[:2]

    body = komus.post("/stock/", json={"artnumbers": [*known, 1, 99]}).json()

    assert [item["artnumber"] for item in body["content"]] == known
    assert body["artnumberLost"] == [1, 99]


def test_partner_price_carries_the_contract_discount(
    sandbox: Sandbox, komus: httpx.Client
):
    article = next(iter(sandbox.catalog.articles.values()))
    regional = sandbox.catalog.price(article.artnumber, "77")

    body = komus.post(
        "/prices/", params={"region": "77"}, json={"artnumbers": [article.artnumber]}
    ).json()
    price = body["content"][0]["prices"][0]

    assert Decimal(str(price["partnerPrice"])) == (regional * Decimal("0.95")).quantize(
        Decimal("0.01")
    )
    assert price["rrcPrice"] > price["pricePmc"] > price["partnerPrice"]


def test_props_give_lots_barcodes_and_analogues(sandbox: Sandbox, komus: httpx.Client):
    article = next(a for a in sandbox.catalog.articles.values() if a.multiplicity > 1)

    body = komus.post(
        "/props/",
        params={"fields": "baseprops,barcodes,analogues"},
        json={"artnumbers": [article.artnumber]},
    ).json()
    props = body["content"][0]

    assert props["baseprops"]["minQuantity"] == int(article.min_quantity)
    assert props["baseprops"]["multiplicity"] == int(article.multiplicity)
    assert props["barcodes"] == [article.barcode]
    assert props["analogues"] == list(article.analogues)
    assert "description" not in props


def test_props_refuse_an_unknown_field(sandbox: Sandbox, komus: httpx.Client):
    response = komus.post(
        "/props/",
        params={"fields": "baseprops,colour"},
        json={"artnumbers": list(sandbox.catalog.articles)[:1]},
    )

    assert response.status_code == 400
    assert response.json()["details"][0].startswith("colour")
