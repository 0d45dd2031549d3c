"""``POST /sandbox/reset`` leaves a fresh sandbox: claims and promotions gone too."""

from __future__ import annotations

import json

import httpx

from tests.komus_sandbox.conftest import Sandbox, in_stock, place, row

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _file_claim(komus: httpx.Client, order_id: int, artnumber: int) -> httpx.Response:
    claim = {
        "externalId": "CL-RESET",
        "text": "Не хватает коробки",
        "rows": [{"artnumber": artnumber, "quantity": 1, "reason": "not_delivered"}],
    }
    return komus.post(
        f"/orders/{order_id}/claims",
        files=[
            (
                "claim",
                (None, json.dumps(claim, ensure_ascii=False), "application/json"),
            ),
            ("photos", ("box.png", PHOTO, "image/png")),
        ],
    )


def _publish(admin: httpx.Client, category_id: int) -> httpx.Response:
    return admin.post(
        "/promotions",
        json={
            "title": "Неделя бумаги",
            "categoryId": category_id,
            "discountPercent": "10",
            "validFrom": "2026-01-01",
            "validTo": "2099-12-31",
        },
    )


def test_reset_forgets_claims_and_promotions(sandbox: Sandbox, komus: httpx.Client):
    article = in_stock(sandbox.catalog)[0]
    order = place(komus, "RESET-1", row(article)).json()
    with sandbox.admin() as admin:
        claim = _file_claim(komus, order["id"], article.artnumber)
        promotion = _publish(admin, article.category_id)
        assert claim.status_code == 201, claim.text
        assert promotion.status_code == 201, promotion.text
        assert komus.get(f"/claims/{claim.json()['id']}").status_code == 200
        assert komus.get("/promotions").json()["content"] != []

        reset = admin.post("/reset")

        assert reset.status_code == 200
        assert komus.get(f"/claims/{claim.json()['id']}").status_code == 404
        assert admin.get(f"/claims/{claim.json()['id']}").status_code == 404
        assert komus.get("/promotions").json()["content"] == []


def test_after_reset_ids_and_external_ids_start_over(
    sandbox: Sandbox, komus: httpx.Client
):
    article = in_stock(sandbox.catalog)[0]
    first_order = place(komus, "RESET-2", row(article)).json()
    with sandbox.admin() as admin:
        first_claim = _file_claim(komus, first_order["id"], article.artnumber).json()
        first_promotion = _publish(admin, article.category_id).json()
        admin.post("/reset")

        order = place(komus, "RESET-2", row(article)).json()
        again = _file_claim(komus, order["id"], article.artnumber)
        promotion = _publish(admin, article.category_id).json()

    assert again.status_code == 201, "the same externalId is a new claim after a reset"
    assert again.json()["id"] == first_claim["id"]
    assert again.json()["photos"][0]["size"] == len(PHOTO)
    assert promotion["id"] == first_promotion["id"]
