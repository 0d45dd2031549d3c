"""Ordering from the catalog in headless Chromium, from the barcode to Komus:
a manager finds an item by barcode, puts three items in the cart and orders; the
order waits for approval; an approver signs in and approves; the Komus sandbox
then holds the order with its three lines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from gateway.cabinet import approvals
from gateway.cabinet.actor import Actor
from gateway.hub import Hub
from tests.cabinet_ordering.shop import Shop
from tests.console.harness import add_user
from tests.komus.harness import ACME_TOKEN, Sandbox
from tests.support.chromium import ARTIFACTS, needs_chromium, opened_page, sign_in
from tests.support.servers import wait_until

pytestmark = needs_chromium


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The browser path runs on SQLite; the httpx tests cover PostgreSQL."""
    return sqlite_url


@pytest.fixture
def page(gateway_url: str) -> Iterator[object]:
    with opened_page(gateway_url) as opened:
        opened.on("dialog", lambda dialog: dialog.accept())
        yield opened


def find_and_add(page, query: str, article: int, quantity: int) -> None:  # noqa: ANN001
    page.goto("/console/catalog")
    page.fill("#catalog-search input[name=q]", query)
    page.click("#catalog-search button[type=submit]")
    row = page.locator(f"#results tr[data-article='{article}']")
    row.locator("input[name=quantity]").fill(str(quantity))
    row.locator("button[type=submit]").click()
    page.wait_for_url("**note=added**")


def test_barcode_to_cart_to_approval_to_komus(
    gateway: Hub, sandbox: Sandbox, shop: Shop, page
):
    first, second, third = sandbox.articles(3)
    approvals.save_rule(
        gateway,
        "acme",
        Actor(owner="test", name="test", role="admin"),
        order_limit="100.00",
        over_budget=False,
        approver_role="approver",
    )
    add_user(gateway, "olga", "manager", "acme")
    add_user(gateway, "anna", "approver", "acme")

    sign_in(page, "olga")
    page.goto(f"/console/catalog?q={first.barcode}")
    assert page.locator("#results tbody tr").count() == 1
    page.screenshot(path=str(ARTIFACTS / "cabinet-catalog.png"), full_page=True)
    find_and_add(page, first.barcode, first.artnumber, 2)
    find_and_add(page, str(second.artnumber), second.artnumber, 3)
    find_and_add(page, third.name, third.artnumber, 1)
    page.goto("/console/cart")
    assert page.locator("#cart tbody tr[data-article]").count() == 3
    page.click("#place-order")
    page.wait_for_url("**note=held**")
    page.click("#sign-out")

    sign_in(page, "anna")
    page.goto("/console/approvals")
    pending = page.locator("#approvals tbody tr[data-approval]")
    assert pending.count() == 1
    assert "olga" in pending.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "cabinet-approvals.png"), full_page=True)
    pending.first.locator("button.approve").click()
    page.wait_for_url("**note=approved")

    def placed() -> list[dict]:
        gateway.pipeline.submit_ready()
        return shop.sandbox_orders(ACME_TOKEN)

    orders = wait_until(placed, timeout=30)
    assert len(orders) == 1
    rows = {(r["artnumber"], Decimal(str(r["quantity"]))) for r in orders[0]["rows"]}
    assert rows == {
        (first.artnumber, Decimal(2)),
        (second.artnumber, Decimal(3)),
        (third.artnumber, Decimal(1)),
    }
