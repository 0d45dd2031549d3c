"""The sandbox's payment terms and the payments that arrive on its clock."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.komus_sandbox.conftest import (  # noqa: F401 - start_sandbox: a fixture
    GLOBEX_TOKEN,
    Sandbox,
    in_stock,
    start_sandbox,
)

DEMO = "demo-komus-token"
DAY = 24 * 60


@pytest.fixture
def stand(start_sandbox) -> Sandbox:  # noqa: F811 - the imported fixture
    """A sandbox with a frozen clock and an in-memory store."""
    return start_sandbox()


def _order(stand: Sandbox) -> dict:
    article = in_stock(stand.catalog)[0]
    with stand.komus() as komus:
        return komus.post(
            "/orders",
            json={
                "externalId": "PAY-1",
                "rows": [
                    {
                        "artnumber": article.artnumber,
                        "quantity": int(article.min_quantity) * 3,
                    }
                ],
            },
        ).json()


def _plan(stand: Sandbox, parts: list[dict], token: str = DEMO) -> httpx.Response:
    with stand.admin() as admin:
        return admin.put(f"/payments/plan/{token}", json={"parts": parts})


def test_terms_name_the_paysystem_and_the_payee(stand: Sandbox):
    with stand.komus(GLOBEX_TOKEN) as globex, stand.komus() as demo:
        prepaid = globex.get("/paymentTerms").json()
        deferred = demo.get("/paymentTerms").json()

    assert prepaid["kind"] == "prepayment" and prepaid["paysystem"]["id"] == 8
    assert deferred["kind"] == "deferred" and deferred["days"] == 14
    assert deferred["paysystem"]["name"] == "Безналичная - с отсрочкой платежа"
    assert len(deferred["payee"]["account"]) == 20


def test_a_plan_pays_in_parts_as_the_clock_moves(stand: Sandbox):
    _plan(stand, [{"afterDays": 1, "percent": 30}, {"afterDays": 2, "percent": 70}])
    order = _order(stand)
    stand.advance(15)

    with stand.komus() as komus:
        before = komus.get("/payments").json()
        stand.advance(DAY)
        first = komus.get("/payments").json()
        stand.advance(DAY)
        page_one = komus.get("/payments", params={"limit": 1}).json()
        page_two = komus.get("/payments", params={"limit": 1, "page": 2}).json()
        later_order = komus.get(f"/orders/{order['id']}").json()

    assert before["count"] == 0
    assert first["count"] == 1
    assert page_one["count"] == 2 and page_one["next"] == 2 and page_two["next"] is None
    paid = [
        Decimal(str(p["amount"])) for p in page_one["content"] + page_two["content"]
    ]
    assert sum(paid) == Decimal(str(order["price"]))
    assert paid[0] == (Decimal(str(order["price"])) * Decimal("0.3")).quantize(
        Decimal("0.01")
    )
    assert page_two["content"][0]["invoiceNumber"].startswith("СЧ-")
    # Released on credit at the pay stage: it went on without the "paid" step.
    assert later_order["status"]["code"] in {"C", "S", "D"}
    assert later_order["paid"] == 0


def test_an_empty_plan_never_pays(stand: Sandbox):
    _plan(stand, [])
    _order(stand)

    stand.advance(30 * DAY)
    with stand.komus() as komus:
        found = komus.get("/payments").json()

    assert found["count"] == 0


def test_payments_are_filtered_by_day(stand: Sandbox):
    _order(stand)
    stand.advance(15 + 60)

    with stand.komus() as komus:
        today = komus.get("/payments", params={"dateFrom": "2026-02-02"}).json()
        later = komus.get("/payments", params={"dateFrom": "2026-02-03"}).json()

    assert today["count"] == 1 and later["count"] == 0


def test_bad_requests_get_komus_errors(stand: Sandbox):
    with stand.komus() as komus:
        backwards = komus.get(
            "/payments", params={"dateFrom": "2026-02-05", "dateTo": "2026-02-01"}
        )
    too_much = _plan(stand, [{"afterDays": 1, "percent": 60}] * 2)
    stranger = _plan(stand, [], token="nobody-token")

    assert backwards.status_code == 400 and "dateTo" in backwards.json()["details"][0]
    assert too_much.status_code == 400
    assert stranger.status_code == 404
