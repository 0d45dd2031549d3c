"""Komus promotions in the categories a tenant buys from become events and e-mails."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema

from tests.cabinet_claims.harness import Cabinet, Mailbox
from tests.crm.test_webhooks import SCHEMAS
from tests.support.receiver import Receiver


def _publish(cabinet: Cabinet, category_id: int, title: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{cabinet.sandbox.url}/sandbox/promotions",
        json={
            "title": title,
            "description": "Скидка <15 %> на всё в категории",
            "categoryId": category_id,
            "discountPercent": "15",
            "validFrom": "2026-01-01",
            "validTo": "2099-12-31",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _watch(cabinet: Cabinet) -> int:
    assert cabinet.cabinet.promotions is not None
    return cabinet.cabinet.promotions.run_once()


def test_promotion_in_a_bought_category_is_told_once(
    cabinet: Cabinet, mailbox: Mailbox, receiver: Receiver
):
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"promotion": "immediate"})
    bought = cabinet.sandbox.articles(2)[0]
    group = next(
        c.parent_id
        for c in cabinet.sandbox.catalog.categories
        if c.id == bought.category_id
    )
    elsewhere = next(
        c.id
        for c in cabinet.sandbox.catalog.categories
        if c.parent_id not in (0, group)
        and c.id not in {a.category_id for a in cabinet.sandbox.articles(2)}
    )
    _publish(cabinet, bought.category_id, "Неделя бумаги")
    _publish(cabinet, group, "Скидки на всю группу")
    _publish(cabinet, elsewhere, "Не ваша акция")

    assert _watch(cabinet) == 2
    assert _watch(cabinet) == 0
    cabinet.dispatch()

    titles = sorted(e.data["title"] for e in cabinet.events("promotion.published"))
    assert titles == ["Неделя бумаги", "Скидки на всю группу"]
    mails = mailbox.to("anna@acme.test")
    assert sorted(str(m["Subject"]) for m in mails) == [
        "Акция Комуса: Неделя бумаги",
        "Акция Комуса: Скидки на всю группу",
    ]
    html = mails[0].get_body(("html",)).get_content()
    assert "Скидка &lt;15 %&gt; на всё в категории" in html
    assert len(receiver.requests) == 2
    for _, body in receiver.requests:
        jsonschema.validate(
            json.loads(body),
            json.loads((SCHEMAS / "promotion.published.json").read_text()),
        )


def test_sandbox_lists_promotions_by_category_with_dates(cabinet: Cabinet):
    bought = cabinet.sandbox.articles(1)[0]
    published = _publish(cabinet, bought.category_id, "Неделя бумаги")

    answer = httpx.get(
        f"{cabinet.sandbox.api_url}/promotions",
        params={"categoryId": bought.category_id},
        headers={"token": "acme-komus-token"},
    )

    assert answer.status_code == 200
    [listed] = answer.json()["content"]
    assert listed == published
    assert listed["validFrom"] == "2026-01-01" and listed["validTo"] == "2099-12-31"
