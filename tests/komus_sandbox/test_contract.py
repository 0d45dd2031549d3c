"""The sandbox answers as ``schemas/komus-api.yaml`` says, errors included."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from openapi_spec_validator import validate

from connectors.komus.sandbox import create_sandbox_app
from tests.komus_sandbox.conftest import (
    GLOBEX_TOKEN,
    in_stock,
    missing_with_analogue,
    sandbox_options,
    short,
)
from tests.komus_sandbox.contract import Contract, load_spec
from tests.support.servers import serve

ASSUMED = {
    ("/orders", "post"),
    ("/orders/{id}", "patch"),
    ("/orders/{id}/cancel", "post"),
    ("/orders/{id}/invoice", "get"),
    ("/orders/{id}/documents", "get"),
    ("/orders/{id}/documents/{docId}", "get"),
    ("/consignees", "get"),
    ("/paymentTerms", "get"),
    ("/payments", "get"),
    ("/orders/{id}/claims", "post"),
    ("/claims/{id}", "get"),
    ("/promotions", "get"),
}


def _session(url: str, contract: Contract, app) -> None:
    """Every operation of the contract, with the answers a client must expect."""
    catalog = app.state.sandbox.catalog
    hooks = {"response": [contract.record]}
    komus = httpx.Client(
        base_url=url + "/api2", headers={"token": "demo-komus-token"}, event_hooks=hooks
    )
    admin = httpx.Client(base_url=url + "/sandbox")
    some = list(catalog.articles)[:5]

    komus.get("/elements", params={"page": 2, "limit": 50})
    komus.get("/elements", params={"limit": 5000})
    komus.get("/categories", params={"region": "50"})
    komus.get("/categories", params={"region": "66"})
    komus.get("/shipdata/")
    komus.get("/consignees")
    komus.post("/prices/", json={"artnumbers": [*some, 1]})
    komus.post("/stock/", params={"region": "77"}, json={"artnumbers": some})
    komus.post("/props/", json={"artnumbers": some})
    komus.post("/props/", params={"fields": "nothing"}, json={"artnumbers": some})
    komus.post("/prices/", json={"artnumbers": list(catalog.articles)[:251]})

    plenty, other = in_stock(catalog)[:2]
    reduced = in_stock(catalog, vat="10")[0]
    rows = [
        {
            "artnumber": a.artnumber,
            "quantity": int(a.min_quantity) * 2,
            "lineRef": str(n),
        }
        for n, a in enumerate((plenty, reduced, short(catalog)), start=1)
    ]
    rows[2]["quantity"] = int(short(catalog).min_quantity) * 5
    missing = missing_with_analogue(catalog)
    rows.append({"artnumber": missing.artnumber, "quantity": int(missing.min_quantity)})
    order = komus.post("/orders", json={"externalId": "C-1", "rows": rows}).json()
    komus.post("/orders", json={"externalId": "C-1", "rows": rows[:1]})
    komus.post("/orders", json={"externalId": "C-2", "rows": [{"artnumber": 1}]})
    komus.post(
        "/orders",
        json={"externalId": "C-3", "rows": [{"artnumber": 1, "quantity": 1}]},
    )
    spare = komus.post(
        "/orders", json={"externalId": "C-4", "rows": rows[:1], "comment": "запас"}
    ).json()
    komus.patch(
        f"/orders/{spare['id']}",
        json={"rows": [{"artnumber": other.artnumber, "quantity": 1}]},
    )
    komus.get("/orders", params={"externalId": "C-1"})
    komus.get(f"/orders/{order['id']}")
    komus.get(f"/orders/{order['id']}/invoice")
    komus.get("/orders/999999")

    admin.post("/clock/advance", json={"minutes": 5 + 10})
    komus.patch(f"/orders/{order['id']}", json={"rows": rows[:1]})
    komus.post(f"/orders/{spare['id']}/cancel", json={"reason": "дубль"})
    komus.get(f"/orders/{order['id']}/invoice")
    admin.post("/clock/advance", json={"minutes": 60 + 30 + 120})
    komus.post(f"/orders/{order['id']}/cancel")
    documents = komus.get(f"/orders/{order['id']}/documents").json()["content"]
    for document in documents:
        komus.get(f"/orders/{order['id']}/documents/{document['id']}")
    komus.get(f"/orders/{order['id']}/documents/999999")
    admin.post("/clock/advance", json={"minutes": 10_000})
    komus.get("/orders", params={"status": "F,X", "dateFrom": "2026-02-01"})
    komus.get("/orders", params={"status": "Q"})
    komus.get("/paymentTerms")
    komus.get("/payments", params={"dateFrom": "2026-02-01", "limit": 2})
    komus.get("/payments", params={"dateFrom": "2026-02-05", "dateTo": "2026-02-01"})

    _claims_and_promotions(komus, admin, order["id"], plenty)

    admin.post("/faults", json={"error_rate": 1.0, "count": 4})
    for _ in range(4):
        komus.get("/shipdata/")
    admin.post("/faults", json={"throttle_rate": 1.0, "count": 1})
    komus.get("/shipdata/")
    with httpx.Client(
        base_url=url + "/api2", headers={"token": "nobody"}, event_hooks=hooks
    ) as stranger:
        stranger.get("/elements")
    with httpx.Client(
        base_url=url + "/api2", headers={"token": GLOBEX_TOKEN}, event_hooks=hooks
    ) as globex:
        while globex.get("/shipdata/").status_code == 200:
            pass
        globex.get("/shipdata/")
    komus.close()
    admin.close()


def _claims_and_promotions(komus, admin, order_id: int, article) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + bytes(64)
    claim = {
        "externalId": "CL-1",
        "text": "Повреждена упаковка",
        "rows": [{"artnumber": article.artnumber, "quantity": 1, "reason": "damaged"}],
    }
    form = ("claim", (None, json.dumps(claim, ensure_ascii=False), "application/json"))
    parts = [form, ("photos", ("box.png", photo, "image/png"))]
    filed = komus.post(f"/orders/{order_id}/claims", files=parts).json()
    komus.post(f"/orders/{order_id}/claims", files=parts)
    komus.post(
        f"/orders/{order_id}/claims",
        files=[("claim", (None, "{}", "application/json"))],
    )
    komus.post(
        f"/orders/{order_id}/claims",
        files=[form, ("photos", ("x.gif", b"GIF89a", "image/gif"))],
    )
    komus.post("/orders/999999/claims", files=parts)
    komus.get(f"/claims/{filed['id']}")
    komus.get("/claims/999999")
    admin.post(
        "/promotions",
        json={
            "title": "Неделя бумаги",
            "categoryId": article.category_id,
            "discountPercent": "10",
            "validFrom": "2026-01-01",
            "validTo": "2099-12-31",
        },
    )
    komus.get("/promotions", params={"categoryId": article.category_id})


@pytest.fixture(scope="module")
def contract() -> Iterator[Contract]:
    contract = Contract(load_spec())
    app = create_sandbox_app(sandbox_options(requests_per_minute=60))
    with serve(app) as url:
        _session(url, contract, app)
    app.state.sandbox.close()
    yield contract


def test_contract_is_valid_openapi_3_1():
    spec = load_spec()

    validate(spec)

    assert spec["openapi"].startswith("3.1")


def test_assumed_operations_are_marked_to_verify_with_komus():
    spec = load_spec()

    for path, method in ASSUMED:
        operation = spec["paths"][path][method]
        assert operation.get("x-assumption") is True, (path, method)
        assert "verify with Komus" in operation["description"], (path, method)


def test_every_answer_matches_the_contract(contract: Contract):
    assert contract.problems == []


def test_every_operation_was_exercised(contract: Contract):
    exercised = {(path, method) for path, method, _ in contract.seen}

    assert exercised == contract.operations()


def test_errors_a_client_must_handle_were_met(contract: Contract):
    statuses = {status for _, _, status in contract.seen}

    assert {"200", "201", "400", "401", "403", "404", "409", "429"} <= statuses
    assert statuses & {"500", "503"}


def test_checker_rejects_an_order_without_status():
    contract = Contract(load_spec())
    order = {
        "id": 1,
        "orderNum": "41000001",
        "dateCreate": "2026-02-02 09:00:00",
        "rows": [],
    }

    with pytest.raises(AssertionError, match="status"):
        contract.validate(order, "components", "schemas", "Order")


def test_checker_rejects_an_undeclared_status():
    contract = Contract(load_spec())
    request = httpx.Request("GET", "http://127.0.0.1/api2/shipdata/")
    response = httpx.Response(
        418, json={"status": 418, "message": "?"}, request=request
    )

    with pytest.raises(AssertionError, match="status not declared"):
        contract.check(response)
