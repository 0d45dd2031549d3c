"""The console's ordering pages over real HTTP: forms, CSRF, refusals, tenants."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from gateway.hub import Hub
from gateway.store.ordering import Approval, CartLine
from gateway.store.tables import Requisition
from tests.cabinet_ordering.conftest import MONTH
from tests.console.harness import Browser, add_user
from tests.komus.harness import Sandbox


@pytest.fixture
def browser(gateway: Hub, gateway_url: str) -> Iterator[Callable[..., Browser]]:
    opened: list[Browser] = []

    def open_as(login: str, role: str, tenant: str | None = "acme") -> Browser:
        add_user(gateway, login, role, tenant)
        client = Browser(gateway_url)
        assert client.sign_in(login).status_code == 303
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        client.close()


def cart_of(hub: Hub) -> list[CartLine]:
    with hub.db.session() as session:
        return list(session.execute(select(CartLine)).scalars())


def test_a_manager_finds_by_barcode_adds_to_cart_and_orders(
    browser, gateway: Hub, sandbox: Sandbox
):
    article = sandbox.articles(1)[0]
    olga = browser("olga", "manager")

    found = olga.get(f"/console/catalog?q={article.barcode}")
    added = olga.submit(
        "/console/catalog",
        "/console/catalog/add",
        article=str(article.artnumber),
        quantity="3",
    )
    page = olga.get("/console/cart")
    ordered = olga.submit(
        "/console/cart", "/console/cart/checkout", delivery_address="MAIN"
    )

    assert found.status_code == 200
    assert f'data-article="{article.artnumber}"' in found.text
    assert article.name in found.text
    assert added.status_code == 303
    assert article.name in page.text and 'id="cart-total"' in page.text
    assert ordered.headers["location"].endswith("note=ordered")
    with gateway.db.session() as session:
        kept = session.execute(select(Requisition)).scalar_one()
    assert kept.channel == "cabinet" and kept.state == "received"
    assert cart_of(gateway) == []


def test_a_form_without_its_csrf_token_is_refused(browser, gateway, sandbox):
    article = sandbox.articles(1)[0]
    olga = browser("olga", "manager")

    answer = olga.client.post(
        "/console/catalog/add",
        data={"article": str(article.artnumber), "quantity": "1"},
    )

    assert answer.status_code == 403
    assert cart_of(gateway) == []


def test_a_quantity_off_the_lot_is_shown_as_a_refusal(browser, gateway, sandbox):
    article = next(a for a in sandbox.catalog.articles.values() if a.multiplicity > 1)
    olga = browser("olga", "manager")

    answer = olga.submit(
        "/console/catalog",
        "/console/catalog/add",
        article=str(article.artnumber),
        quantity=str(article.multiplicity + 1),
    )

    assert answer.status_code == 422
    assert "Не выполнено" in answer.text
    assert cart_of(gateway) == []


def held_order(browser, gateway: Hub, sandbox: Sandbox, login: str = "olga") -> int:
    admin = browser("boss", "admin", None)
    admin.submit(
        "/console/budgets",
        "/console/budgets/rule",
        tenant="acme",
        order_limit="1",
        over_budget="on",
        approver="approver",
    )
    buyer = browser(login, "manager")
    buyer.submit(
        "/console/catalog",
        "/console/catalog/add",
        article=str(sandbox.articles(1)[0].artnumber),
        quantity="2",
    )
    answer = buyer.submit("/console/cart", "/console/cart/checkout")
    assert answer.headers["location"].endswith("note=held"), answer.text
    with gateway.db.session() as session:
        return session.execute(select(Approval.id)).scalar_one()


def test_an_approver_sees_who_must_approve_and_approves(browser, gateway, sandbox):
    approval_id = held_order(browser, gateway, sandbox)
    anna = browser("anna", "approver")

    page = anna.get("/console/approvals")
    answer = anna.submit(
        "/console/approvals", f"/console/approvals/{approval_id}/approve"
    )

    assert "роль «согласующий»" in page.text
    assert "awaiting approval by role approver" in page.text
    assert "выше лимита 1,00\u00a0₽" in page.text
    assert answer.status_code == 303
    with gateway.db.session() as session:
        assert session.execute(select(Requisition.state)).scalar_one() == "received"


def test_an_approver_rejects_with_a_reason(browser, gateway, sandbox):
    approval_id = held_order(browser, gateway, sandbox)
    anna = browser("anna", "approver")

    answer = anna.submit(
        "/console/approvals",
        f"/console/approvals/{approval_id}/reject",
        note="дорого",
    )

    assert answer.status_code == 303
    with gateway.db.session() as session:
        kept = session.execute(select(Requisition)).scalar_one()
    assert kept.state == "cancelled" and "дорого" in kept.hold_reason


def test_the_author_cannot_approve_their_own_order(browser, gateway, sandbox):
    approval_id = held_order(browser, gateway, sandbox, login="mike")
    # An admin may approve in general, but not an order of their own.
    boss = browser("chief", "admin", None)
    boss.submit(
        "/console/catalog?tenant=acme",
        "/console/catalog/add",
        tenant="acme",
        article=str(sandbox.articles(2)[1].artnumber),
        quantity="1",
    )
    boss.submit("/console/cart?tenant=acme", "/console/cart/checkout", tenant="acme")
    with gateway.db.session() as session:
        own = session.execute(
            select(Approval.id).where(Approval.id != approval_id)
        ).scalar_one()

    answer = boss.submit("/console/approvals", f"/console/approvals/{own}/approve")

    assert answer.status_code == 403
    assert "placed this order yourself" in answer.text
    with gateway.db.session() as session:
        assert session.get(Approval, own).state == "pending"


def test_a_manager_cannot_open_approvals_or_another_tenants_catalog(
    browser, gateway, sandbox
):
    olga = browser("olga", "manager")

    assert olga.get("/console/approvals").status_code == 403
    assert olga.get("/console/catalog?tenant=globex").status_code == 200
    # A tenant-bound user always works in their own tenant, whatever they ask.
    assert "Акме" in olga.get("/console/catalog?tenant=globex").text


def test_an_approver_of_one_tenant_does_not_see_anothers_approvals(
    browser, gateway, sandbox
):
    held_order(browser, gateway, sandbox)
    greta = browser("greta", "approver", "globex")

    page = greta.get("/console/approvals")

    assert "data-approval=" not in page.text


def test_budgets_page_shows_spent_and_remaining(browser, gateway, sandbox):
    boss = browser("boss", "admin", None)
    boss.submit(
        "/console/budgets",
        "/console/budgets/cost-centers",
        tenant="acme",
        code="IT",
        name="ИТ-отдел",
    )
    saved = boss.submit(
        "/console/budgets",
        "/console/budgets/amounts",
        tenant="acme",
        cost_center="IT",
        month=MONTH,
        amount="5000",
    )
    bad = boss.submit(
        "/console/budgets",
        "/console/budgets/amounts",
        tenant="acme",
        cost_center="IT",
        month=MONTH,
        amount="пять",
    )
    olga = browser("olga", "manager")

    page = olga.get(f"/console/budgets?month={MONTH}")

    assert saved.status_code == 303
    assert bad.status_code == 422 and "not an amount" in bad.text
    assert 'data-cost-center="IT"' in page.text
    assert "5\u00a0000,00\u00a0₽" in page.text


def test_a_rule_naming_a_user_lets_only_that_user_approve(browser, gateway, sandbox):
    anna = browser("anna", "approver")
    greta = browser("greta", "approver")
    admin = browser("boss", "admin", None)
    admin.submit(
        "/console/budgets",
        "/console/budgets/rule",
        tenant="acme",
        order_limit="1",
        approver_login="anna",
    )
    olga = browser("olga", "manager")
    olga.submit(
        "/console/catalog",
        "/console/catalog/add",
        article=str(sandbox.articles(1)[0].artnumber),
        quantity="2",
    )
    olga.submit("/console/cart", "/console/cart/checkout")
    with gateway.db.session() as session:
        approval_id = session.execute(select(Approval.id)).scalar_one()

    refused = greta.submit(
        "/console/approvals", f"/console/approvals/{approval_id}/approve"
    )
    approved = anna.submit(
        "/console/approvals", f"/console/approvals/{approval_id}/approve"
    )

    assert refused.status_code == 403
    assert "waits for user anna" in refused.text
    assert approved.status_code == 303
    with gateway.db.session() as session:
        assert session.get(Approval, approval_id).decided_by_name == "anna"
