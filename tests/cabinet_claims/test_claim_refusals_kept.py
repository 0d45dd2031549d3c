"""Refused claims stay in the message log whoever posts them and however broken."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal

import httpx
from sqlalchemy import update

from gateway.hub import hash_token
from gateway.store.tables import ApiToken, Message, OrderLine
from tests.cabinet_claims.harness import Cabinet


def _admin(cabinet: Cabinet) -> httpx.Client:
    """A client holding an admin token of every tenant."""
    secret = "kgw_" + secrets.token_urlsafe(24)
    with cabinet.hub.db.session() as session:
        session.add(
            ApiToken(name="all tenants", token_hash=hash_token(secret), role="admin")
        )
    return httpx.Client(
        base_url=f"{cabinet.url}/api/v1",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=60,
    )


def _kept(cabinet: Cabinet, answer: httpx.Response) -> Message:
    message_id = answer.json()["error"]["details"]["message_id"]
    with cabinet.hub.db.session() as session:
        kept = session.get(Message, message_id)
        assert kept is not None
        session.expunge(kept)
    assert kept.state == "failed" and kept.kind == "claim"
    return kept


def test_a_claim_refused_for_an_all_tenant_token_is_kept_for_the_orders_tenant(
    cabinet: Cabinet,
):
    order = cabinet.order("globex", "ГЛ-7")
    claim = {
        "order_id": order.id,
        "text": "x",
        "lines": [{"line_no": 1, "quantity": "1", "reason": "boring"}],
    }

    with _admin(cabinet) as api:
        answer = api.post("/claims", json=claim)

    assert answer.status_code == 422
    kept = _kept(cabinet, answer)
    assert kept.tenant_id == "globex"
    assert "lines[0].reason" in (kept.error or "")
    assert json.loads(kept.payload)["claim"] == claim


def test_malformed_json_is_kept_as_it_came(cabinet: Cabinet):
    body = b'{"order_id": 1, "text": '

    with cabinet.api("acme") as api:
        answer = api.post(
            "/claims", content=body, headers={"content-type": "application/json"}
        )

    assert answer.status_code == 400
    kept = _kept(cabinet, answer)
    assert kept.tenant_id == "acme" and kept.payload == body
    assert kept.error == answer.json()["error"]["message"]


def test_a_plain_text_claim_is_kept_with_the_reason(cabinet: Cabinet):
    body = "Верните деньги за заказ 1".encode()

    with cabinet.api("acme") as api:
        answer = api.post(
            "/claims", content=body, headers={"content-type": "text/plain"}
        )

    assert answer.status_code == 415
    kept = _kept(cabinet, answer)
    assert kept.payload == body and kept.content_type == "text/plain"
    assert "multipart/form-data" in (kept.error or "")


def test_a_form_without_a_claim_part_is_kept(cabinet: Cabinet):
    with cabinet.api("acme") as api:
        answer = api.post("/claims", files=[("note", (None, "нет заявки"))])

    assert answer.status_code == 422
    kept = _kept(cabinet, answer)
    assert "нет заявки".encode() in kept.payload
    assert "no 'claim' part" in (kept.error or "")


def test_a_broken_multipart_body_is_kept(cabinet: Cabinet):
    body = b'--cut\r\nContent-Disposition: form-data; name="claim"\r\n\r\n{'

    with cabinet.api("acme") as api:
        answer = api.post(
            "/claims",
            content=body,
            headers={"content-type": "multipart/form-data; boundary=other"},
        )

    assert answer.status_code == 400
    kept = _kept(cabinet, answer)
    assert kept.payload == body
    assert "cannot be read" in (kept.error or "")


def test_half_a_piece_cannot_be_claimed(cabinet: Cabinet):
    order = cabinet.order()
    claim = {
        "order_id": order.id,
        "text": "Одна пачка порвана",
        "lines": [{"line_no": 1, "quantity": "1.5", "reason": "damaged"}],
    }

    with cabinet.api("acme") as api:
        answer = api.post("/claims", json=claim)

    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["reasons"] == [
        "lines[0].quantity: 1.5 is fractional; line 1 is counted in whole units (шт)"
    ]


def test_a_fraction_of_a_kilogram_may_be_claimed(cabinet: Cabinet):
    order = cabinet.order()
    with cabinet.hub.db.session() as session:
        session.execute(
            update(OrderLine)
            .where(OrderLine.order_id == order.id, OrderLine.line_no == 1)
            .values(unit_code="166")
        )
    claim = {
        "order_id": order.id,
        "text": "Недовес",
        "lines": [{"line_no": 1, "quantity": "1.5", "reason": "damaged"}],
    }

    with cabinet.api("acme") as api:
        answer = api.post("/claims", json=claim)

    assert answer.status_code == 201, answer.text
    assert Decimal(answer.json()["lines"][0]["quantity"]) == Decimal("1.5")
