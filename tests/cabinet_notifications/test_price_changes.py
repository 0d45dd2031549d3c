"""A price change above the threshold: one e-mail per subscribed user, one webhook."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import jsonschema

from tests.cabinet_claims.harness import Cabinet, Mailbox
from tests.crm.test_webhooks import SCHEMAS
from tests.support.receiver import Receiver


def _raise_price(cabinet: Cabinet, artnumber: int, factor: str) -> None:
    regional = cabinet.sandbox.catalog.prices[("77", artnumber)]
    new = (regional * Decimal(factor)).quantize(Decimal("0.01"))
    answer = httpx.post(
        f"{cabinet.sandbox.url}/sandbox/prices",
        json={"artnumber": artnumber, "region": "77", "price": str(new)},
    )
    assert answer.status_code == 200, answer.text


def _watch(cabinet: Cabinet) -> int:
    assert cabinet.cabinet.prices is not None
    return cabinet.cabinet.prices.run_once()


def test_price_rise_above_threshold_mails_each_subscriber_once_and_posts_one_webhook(
    cabinet: Cabinet, mailbox: Mailbox, receiver: Receiver
):
    order = cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "immediate"}, threshold="5")
    cabinet.user("boris", "boris@acme.test", {"price": "immediate"}, threshold="3")
    cabinet.user(
        "vera", "vera@acme.test", {"price": "off", "order_status": "immediate"}
    )
    cabinet.user("gleb", "gleb@acme.test", {"price": "immediate"}, threshold="25")
    assert _watch(cabinet) == 0  # the first look only learns the prices
    [first, _] = cabinet.sandbox.articles(2)

    _raise_price(cabinet, first.artnumber, "1.10")
    assert _watch(cabinet) == 1
    assert _watch(cabinet) == 0
    cabinet.dispatch()

    [event] = cabinet.events("price.changed")
    assert event.data["article"] == str(first.artnumber)
    assert Decimal(event.data["percent"]) > 9
    for login in ("anna", "boris"):
        [mail] = mailbox.to(f"{login}@acme.test")
        assert str(mail["Subject"]).startswith("Цена изменилась:")
        assert mail["Message-ID"]
        plain = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "Было" in plain and "Стало" in plain
        assert "<table>" in html and "Стало" in html
    assert mailbox.to("vera@acme.test") == []
    assert mailbox.to("gleb@acme.test") == []
    assert len(mailbox.messages) == 2
    [(_, body)] = receiver.requests
    payload = json.loads(body)
    assert payload["data"]["price"]["article"] == str(first.artnumber)
    jsonschema.validate(
        payload, json.loads((SCHEMAS / "price.changed.json").read_text())
    )
    assert order.id


def test_price_change_below_every_threshold_tells_nobody(
    cabinet: Cabinet, mailbox: Mailbox, receiver: Receiver
):
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "immediate"}, threshold="20")
    _watch(cabinet)
    [first, _] = cabinet.sandbox.articles(2)

    _raise_price(cabinet, first.artnumber, "1.10")
    _watch(cabinet)
    cabinet.dispatch()

    assert cabinet.events("price.changed") == []
    assert mailbox.messages == [] and receiver.requests == []
