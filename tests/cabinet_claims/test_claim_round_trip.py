"""A claim with a 5 MB photo reaches the sandbox intact and its answer comes back."""

from __future__ import annotations

import hashlib
import json

import httpx
import jsonschema

from tests.cabinet_claims.harness import Cabinet, Mailbox, png_of_size
from tests.crm.test_webhooks import SCHEMAS

FIVE_MB = 5 * 1024 * 1024


def _file(cabinet: Cabinet, order_id: int, photo: bytes) -> httpx.Response:
    claim = {
        "order_id": order_id,
        "text": "Коробка пришла вскрытой, одной пачки не хватает",
        "lines": [{"line_no": 1, "quantity": "1", "reason": "not_delivered"}],
    }
    with cabinet.api() as api:
        return api.post(
            "/claims",
            files=[
                (
                    "claim",
                    (None, json.dumps(claim, ensure_ascii=False), "application/json"),
                ),
                ("photos", ("коробка.png", photo, "image/png")),
            ],
        )


def test_claim_with_5mb_photo_reaches_sandbox_and_answer_becomes_event(
    cabinet: Cabinet, mailbox: Mailbox
):
    order = cabinet.order()
    cabinet.user(
        "ivanova", "ivanova@acme.test", {"claim": "immediate", "order_status": "off"}
    )
    photo = png_of_size(FIVE_MB)
    assert len(photo) >= FIVE_MB

    answer = _file(cabinet, order.id, photo)

    assert answer.status_code == 201, answer.text
    filed = answer.json()
    assert filed["status"] == "queued"
    assert filed["photos"][0]["checksum"] == hashlib.sha256(photo).hexdigest()

    cabinet.dispatch()

    with cabinet.api() as api:
        sent = api.get(f"/claims/{filed['id']}").json()
    assert sent["status"] == "new"
    held = httpx.get(
        f"{cabinet.sandbox.url}/sandbox/claims/{sent['komus_claim_id']}"
    ).json()
    assert held["photos"][0]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert held["photos"][0]["size"] == len(photo)
    assert held["rows"][0]["reason"] == "not_delivered"
    assert len(cabinet.events("claim.submitted")) == 1

    cabinet.sandbox.advance(241)
    assert cabinet.cabinet.tracker is not None
    assert cabinet.cabinet.tracker.run_once() == 1
    cabinet.dispatch()

    with cabinet.api() as api:
        answered = api.get(f"/claims/{filed['id']}").json()
    assert answered["status"] == "accepted"
    assert "удовлетворена" in answered["answer"]
    [event] = cabinet.events("claim.answered")
    assert event.data["status"] == "accepted"
    [mail] = mailbox.to("ivanova@acme.test")
    assert str(mail["Subject"]).startswith("Ответ по претензии")
    assert "удовлетворена" in mail.get_body(("plain",)).get_content()


def test_claim_answer_reaches_webhook_subscriber_matching_its_schema(
    cabinet: Cabinet, mailbox: Mailbox
):
    from tests.support.receiver import Receiver
    from tests.support.servers import serve

    receiver = Receiver()
    with serve(receiver.app) as url:
        port = url.rsplit(":", 1)[1]
        assert cabinet.crm.subscriptions is not None
        cabinet.crm.subscriptions.create(
            "acme", f"http://hooks.example.com:{port}/hook", ["claim.answered"]
        )
        order = cabinet.order()
        assert _file(cabinet, order.id, png_of_size(10_000)).status_code == 201
        cabinet.dispatch()
        cabinet.sandbox.advance(241)
        assert cabinet.cabinet.tracker is not None
        cabinet.cabinet.tracker.run_once()
        cabinet.dispatch()

    [(_, body)] = receiver.requests
    payload = json.loads(body)
    assert payload["type"] == "claim.answered"
    assert payload["data"]["claim"]["status"] == "accepted"
    schema = json.loads((SCHEMAS / "claim.answered.json").read_text())
    jsonschema.validate(payload, schema)


def test_komus_failing_keeps_the_claim_queued_with_the_error_on_the_attempt(
    cabinet: Cabinet,
):
    from sqlalchemy import select

    from gateway.store.tables import Attempt, Delivery
    from tests.support.servers import wait_until

    order = cabinet.order()
    cabinet.sandbox.faults(
        error_rate=1.0, count=4, path_prefix=f"/orders/{order.komus_order_id}/claims"
    )
    filed = _file(cabinet, order.id, png_of_size(20_000)).json()

    cabinet.dispatch()  # four tries in place, all answered 5xx

    with cabinet.hub.db.session() as session:
        [delivery] = session.execute(
            select(Delivery).where(Delivery.channel == "komus-claim")
        ).scalars()
        [attempt] = session.execute(
            select(Attempt).where(Attempt.delivery_id == delivery.id)
        ).scalars()
    assert delivery.state == "retrying"
    assert "Komus failed on POST" in (attempt.error or "")
    with cabinet.api() as api:
        assert api.get(f"/claims/{filed['id']}").json()["status"] == "queued"

    def sent() -> bool:
        cabinet.dispatch()
        with cabinet.api() as api:
            return api.get(f"/claims/{filed['id']}").json()["status"] == "new"

    wait_until(sent, timeout=10, interval=0.3)
    assert len(cabinet.events("claim.submitted")) == 1
