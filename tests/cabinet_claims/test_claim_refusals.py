"""Claims the gateway refuses, each with a clear reason and the payload kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select

from gateway.store.claims import Claim
from gateway.store.tables import Delivery, Message, Order
from tests.cabinet_claims.harness import Cabinet, png_of_size


def _post(
    cabinet: Cabinet,
    claim: dict[str, Any],
    photos: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    tenant: str = "acme",
) -> httpx.Response:
    files = [
        ("claim", (None, json.dumps(claim, ensure_ascii=False), "application/json"))
    ]
    files += [("photos", photo) for photo in photos]
    with cabinet.api(tenant) as api:
        return api.post("/claims", files=files)


def _claim(order_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "text": "Товар повреждён",
        "lines": [{"line_no": 1, "quantity": "1", "reason": "damaged"}],
    } | changes


def _claims(cabinet: Cabinet) -> int:
    with cabinet.hub.db.session() as session:
        return session.execute(select(func.count()).select_from(Claim)).scalar_one()


def test_claim_on_another_tenants_order_is_not_found(cabinet: Cabinet):
    theirs = cabinet.order("globex", "ГЛ-1")

    answer = _post(cabinet, _claim(theirs.id))

    assert answer.status_code == 404
    assert f"order {theirs.id} does not exist" in answer.json()["error"]["message"]
    assert _claims(cabinet) == 0


def test_claim_on_a_line_not_in_the_order_names_the_lines_it_has(cabinet: Cabinet):
    order = cabinet.order()

    answer = _post(
        cabinet,
        _claim(order.id, lines=[{"line_no": 7, "quantity": "1", "reason": "damaged"}]),
    )

    assert answer.status_code == 422
    reasons = answer.json()["error"]["details"]["reasons"]
    assert reasons == [
        f"lines[0].line_no: order {order.number} has no line 7 (its lines: 1, 2)"
    ]


def test_quantity_above_the_lines_is_refused(cabinet: Cabinet):
    order = cabinet.order()

    answer = _post(
        cabinet,
        _claim(order.id, lines=[{"line_no": 2, "quantity": "3", "reason": "damaged"}]),
    )

    assert answer.status_code == 422
    assert "3 is more than line 2 holds (1)" in answer.json()["error"]["message"]


def test_unknown_reason_is_refused_with_the_known_ones(cabinet: Cabinet):
    order = cabinet.order()

    answer = _post(
        cabinet,
        _claim(order.id, lines=[{"line_no": 1, "quantity": "1", "reason": "late"}]),
    )

    assert answer.status_code == 422
    assert "not_delivered, damaged, wrong_item, quality" in answer.text


def test_missing_text_is_refused(cabinet: Cabinet):
    order = cabinet.order()

    answer = _post(cabinet, _claim(order.id, text="   "))

    assert answer.status_code == 422
    assert "text: describe what went wrong" in answer.json()["error"]["message"]


def test_a_photo_that_is_not_an_image_is_refused_and_the_claim_kept_in_the_log(
    cabinet: Cabinet,
):
    order = cabinet.order()
    fake = b"%PDF-1.7\n" + b"x" * 1000

    answer = _post(cabinet, _claim(order.id), [("фото.jpg", fake, "image/jpeg")])

    assert answer.status_code == 415
    body = answer.json()["error"]
    assert "'фото.jpg' is not a JPEG or PNG image" in body["message"]
    with cabinet.hub.db.session() as session:
        kept = session.get(Message, body["details"]["message_id"])
    assert kept is not None and kept.state == "failed" and kept.kind == "claim"
    assert "not a JPEG or PNG" in (kept.error or "")
    assert json.loads(kept.payload)["photos"] == [
        {"filename": "фото.jpg", "size": 1009}
    ]
    assert _claims(cabinet) == 0


def test_a_photo_over_10mb_is_refused(cabinet: Cabinet):
    order = cabinet.order()
    big = png_of_size(10 * 1024 * 1024 + 100_000)

    answer = _post(cabinet, _claim(order.id), [("big.png", big, "image/png")])

    assert answer.status_code == 413
    assert "at most 10485760 bytes (10 MB)" in answer.json()["error"]["message"]


def test_a_request_over_25mb_is_refused_before_it_is_read(cabinet: Cabinet):
    order = cabinet.order()
    photos = [(f"{n}.png", png_of_size(9 * 1024 * 1024), "image/png") for n in range(3)]

    answer = _post(cabinet, _claim(order.id), photos)

    assert answer.status_code == 413
    assert "larger than the 26214400 bytes" in answer.json()["error"]["message"]


def test_a_claim_posted_as_plain_text_is_told_how_to_send_it(cabinet: Cabinet):
    with cabinet.api() as api:
        answer = api.post(
            "/claims", content=b"hello", headers={"content-type": "text/plain"}
        )

    assert answer.status_code == 415
    assert "multipart/form-data" in answer.json()["error"]["message"]


def test_a_claim_komus_refuses_ends_failed_with_komus_words(cabinet: Cabinet):
    order = cabinet.order()
    answer = _post(
        cabinet, _claim(order.id), [("ok.png", png_of_size(2000), "image/png")]
    )
    assert answer.status_code == 201
    with cabinet.hub.db.session() as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        stored.komus_order_id = "999999"

    cabinet.dispatch()

    with cabinet.api() as api:
        claim = api.get(f"/claims/{answer.json()['id']}").json()
    assert claim["status"] == "failed"
    assert "Заказ 999999 не найден" in claim["error"]
    with cabinet.hub.db.session() as session:
        [delivery] = session.execute(
            select(Delivery).where(Delivery.channel == "komus-claim")
        ).scalars()
    assert delivery.state == "dead"
    assert "HTTP 404" in (delivery.last_error or "")


def test_damage_claimed_before_delivery_is_rejected_by_komus(cabinet: Cabinet):
    order = cabinet.order()
    answer = _post(cabinet, _claim(order.id))
    assert answer.status_code == 201
    cabinet.dispatch()

    cabinet.sandbox.advance(241)
    assert cabinet.cabinet.tracker is not None
    cabinet.cabinet.tracker.run_once()

    with cabinet.api() as api:
        claim = api.get(f"/claims/{answer.json()['id']}").json()
    assert claim["status"] == "rejected"
    assert "не подтверждается" in claim["answer"]
    [event] = cabinet.events("claim.answered")
    assert event.data["status"] == "rejected"


def test_a_claim_without_order_id_is_refused_and_kept(cabinet: Cabinet):
    answer = _post(cabinet, {"text": "нет заказа", "lines": []})

    assert answer.status_code == 422
    body = answer.json()["error"]
    assert "order_id: the id of one of your orders" in body["message"]
    with cabinet.hub.db.session() as session:
        kept = session.get(Message, body["details"]["message_id"])
    assert (
        kept is not None and json.loads(kept.payload)["claim"]["text"] == "нет заказа"
    )


def test_a_claim_without_photos_may_come_as_plain_json(cabinet: Cabinet):
    order = cabinet.order()

    with cabinet.api() as api:
        answer = api.post("/claims", json=_claim(order.id, text="Не тот товар"))

    assert answer.status_code == 201, answer.text
    assert answer.json()["photos"] == []
    assert answer.json()["lines"][0]["reason"] == "damaged"
