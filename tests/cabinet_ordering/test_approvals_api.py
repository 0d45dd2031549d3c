"""Budgets and approvals over REST: spent and remaining, the hold naming its
approver, approve and reject, self-approval refused, and tenant walls."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select

from gateway.hub import Hub
from gateway.store.tables import AuditEntry
from tests.cabinet_ordering.conftest import MONTH
from tests.cabinet_ordering.shop import Shop
from tests.komus.harness import ACME_TOKEN, order_of, requisition


def set_up_acme(shop: Shop, *, limit: str | None, budget: str | None) -> None:
    admin = shop.api.admin
    acme = {"tenant": "acme"}
    made = admin.post(
        "/cost-centers", params=acme, json={"code": "IT", "name": "ИТ-отдел"}
    )
    assert made.status_code == 201, made.text
    if budget is not None:
        put = admin.put(f"/budgets/IT/{MONTH}", params=acme, json={"amount": budget})
        assert put.status_code == 200, put.text
    rule = admin.put(
        "/approval-rule",
        params=acme,
        json={"order_limit": limit, "over_budget": True, "approver_role": "approver"},
    )
    assert rule.status_code == 200, rule.text


def order(shop: Shop, buyer: httpx.Client, quantity: int = 1) -> dict:
    shop.add(buyer, shop.plain(1)[0], quantity)
    answer = buyer.post("/cart/checkout", json={"cost_center": "IT"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_order_above_the_limit_is_held_naming_who_must_approve(
    shop: Shop, gateway: Hub
):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer(), quantity=5)

    gateway.pipeline.submit_ready()

    assert done["state"] == "held"
    assert done["approval_id"] is not None
    held = requisition(gateway, done["requisition_id"])
    assert held.state == "held"
    assert held.hold_reason.startswith("awaiting approval by role approver: ")
    assert "above the limit 1.00" in held.hold_reason
    assert order_of(gateway, done["requisition_id"]) is None
    pending = shop.buyer().get("/approvals", params={"state": "pending"}).json()
    assert [(p["id"], p["approver_role"]) for p in pending] == [
        (done["approval_id"], "approver")
    ]


def test_approve_releases_the_order_to_komus(shop: Shop, gateway: Hub):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer())
    approver = shop.api.as_("admin")

    answer = approver.post(
        f"/approvals/{done['approval_id']}/approve", json={"note": "ок"}
    )
    gateway.pipeline.submit_ready()

    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "approved"
    assert requisition(gateway, done["requisition_id"]).state == "ordered"
    placed = order_of(gateway, done["requisition_id"])
    assert placed is not None
    komus_ids = {o["id"] for o in shop.sandbox_orders(ACME_TOKEN)}
    assert int(placed.komus_order_id) in komus_ids
    with gateway.db.session() as session:
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.tenant_id == "acme")
        ).scalars()
        assert {"approval.requested", "approval.approved"} <= set(actions)


def test_reject_cancels_with_the_reason_and_needs_one(shop: Shop, gateway: Hub):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer())
    approver = shop.api.as_("admin")
    path = f"/approvals/{done['approval_id']}/reject"

    silent = approver.post(path, json={})
    answer = approver.post(path, json={"note": "не в этом месяце"})
    again = approver.post(path, json={"note": "ещё раз"})
    gateway.pipeline.submit_ready()

    assert silent.status_code == 422
    assert answer.json()["state"] == "rejected"
    cancelled = requisition(gateway, done["requisition_id"])
    assert cancelled.state == "cancelled"
    assert "не в этом месяце" in cancelled.hold_reason
    assert again.status_code == 409
    assert order_of(gateway, done["requisition_id"]) is None


def test_the_one_who_ordered_cannot_approve_it(shop: Shop, gateway: Hub):
    set_up_acme(shop, limit="1.00", budget=None)
    boss = shop.api.as_("admin")
    boss.params = {"tenant": "acme"}
    done = order(shop, boss)

    answer = boss.post(f"/approvals/{done['approval_id']}/approve", json={})

    assert answer.status_code == 403
    assert "placed this order yourself" in answer.json()["error"]["message"]
    assert requisition(gateway, done["requisition_id"]).state == "held"


def test_a_manager_token_cannot_approve(shop: Shop):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer())

    answer = shop.buyer().post(f"/approvals/{done['approval_id']}/approve", json={})

    assert answer.status_code == 403


def test_budget_shows_spent_and_remaining_and_holds_what_would_exceed_it(
    shop: Shop, gateway: Hub
):
    article = shop.plain(1)[0]
    price = shop.price(article)
    set_up_acme(shop, limit=None, budget=str(price * 3))
    buyer = shop.buyer()

    first = order_for(shop, buyer, article, 2)
    gateway.pipeline.submit_ready()
    state = budget(shop)
    second = order_for(shop, buyer, article, 2)
    after = budget(shop)

    assert first["state"] == "received"
    assert Decimal(state["spent"]) == price * 2
    assert Decimal(state["remaining"]) == price
    assert second["state"] == "held"
    assert "left in the 2026-03 budget of cost centre IT" in (
        requisition(gateway, second["requisition_id"]).hold_reason
    )
    assert Decimal(after["committed"]) == price * 2
    assert Decimal(after["remaining"]) == price * -1


def order_for(shop: Shop, buyer: httpx.Client, article, quantity: int) -> dict:
    shop.add(buyer, article, quantity)
    answer = buyer.post("/cart/checkout", json={"cost_center": "IT"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def budget(shop: Shop) -> dict:
    states = shop.buyer().get("/budgets", params={"month": MONTH}).json()
    return next(s for s in states if s["cost_center"] == "IT")


def test_budgets_and_rules_refuse_bad_input(shop: Shop):
    admin = shop.api.admin
    acme = {"tenant": "acme"}
    admin.post("/cost-centers", params=acme, json={"code": "IT", "name": "ИТ"})

    month = admin.put("/budgets/IT/2026-13", params=acme, json={"amount": "1"})
    negative = admin.put(f"/budgets/IT/{MONTH}", params=acme, json={"amount": "-5"})
    huge = admin.put(
        f"/budgets/IT/{MONTH}", params=acme, json={"amount": "1" + "0" * 20}
    )
    unknown = admin.put(f"/budgets/HR/{MONTH}", params=acme, json={"amount": "5"})
    role = admin.put("/approval-rule", params=acme, json={"approver_role": "viewer"})
    by_manager = shop.buyer().put(f"/budgets/IT/{MONTH}", json={"amount": "5"})

    assert month.status_code == 422 and "like 2026-03" in month.text
    for far in ("9999-12", "0000-01"):
        setting = admin.put(f"/budgets/IT/{far}", params=acme, json={"amount": "1"})
        listing = admin.get("/budgets", params={**acme, "month": far})
        assert setting.status_code == 422 and "between 2000-01" in setting.text
        assert listing.status_code == 422 and "between 2000-01" in listing.text
    assert negative.status_code == 422 and "zero or more" in negative.text
    assert huge.status_code == 422 and "too large" in huge.text
    nul = admin.post("/cost-centers", params=acme, json={"code": "HR", "name": "к\x00"})
    assert nul.status_code == 422 and "NUL character" in nul.text
    assert unknown.status_code == 422 and "'HR' does not exist" in unknown.text
    assert role.status_code == 422 and "cannot approve" in role.text
    assert by_manager.status_code == 403


def test_a_checkout_names_a_cost_centre_once_the_tenant_has_them(shop: Shop):
    shop.api.admin.post(
        "/cost-centers", params={"tenant": "acme"}, json={"code": "IT", "name": "ИТ"}
    )
    buyer = shop.buyer()
    shop.add(buyer, shop.plain(1)[0], 1)

    missing = buyer.post("/cart/checkout", json={})
    unknown = buyer.post("/cart/checkout", json={"cost_center": "HR"})

    assert missing.status_code == 422
    assert "choose the cost centre" in missing.text
    assert unknown.status_code == 422
    assert "'HR' does not exist" in unknown.text


def test_approvals_of_one_tenant_are_invisible_to_another(shop: Shop):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer("acme"))
    globex = shop.buyer("globex")

    listed = globex.get("/approvals").json()
    opened = globex.get(f"/approvals/{done['approval_id']}")
    peeking = globex.get("/approvals", params={"tenant": "acme"})

    assert listed == []
    assert opened.status_code == 404
    assert peeking.status_code == 403


def test_replaying_a_held_checkout_keeps_it_held_and_orders_nothing_twice(
    shop: Shop, gateway: Hub
):
    set_up_acme(shop, limit="1.00", budget=None)
    done = order(shop, shop.buyer())

    replayed = shop.api.admin.post(f"/messages/{done['message_id']}/replay")
    gateway.pipeline.submit_ready()

    assert replayed.status_code == 200, replayed.text
    assert [r["outcome"] for r in replayed.json()["replays"]] == ["duplicate"]
    assert requisition(gateway, done["requisition_id"]).state == "held"
    assert shop.sandbox_orders(ACME_TOKEN) == []
