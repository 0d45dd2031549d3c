"""The console in headless Chromium: the paths people take, and a hostile payload."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from gateway.pipeline import SubmittedLine, SubmittedOrder
from gateway.store.tables import Requisition
from tests.api.builders import add_delivery, add_document, add_order
from tests.console.harness import add_user
from tests.console.mapping_setup import install_mappings
from tests.console.payloads import SCRIPT_PAYLOAD, store_message
from tests.support.chromium import ARTIFACTS, needs_chromium, opened_page, sign_in

pytestmark = needs_chromium


class EchoSubmitter:
    """Komus as the tests need it: every requisition ordered as it stands."""

    def submit(self, tenant, requisition, lines):  # noqa: ANN001, ANN201
        return SubmittedOrder(
            komus_order_id=f"K-{requisition.id}",
            number=f"KM{requisition.id:06d}",
            lines=[
                SubmittedLine(
                    line_no=line.line_no,
                    article=line.article or "0",
                    quantity=line.quantity,
                    price=line.expected_price or 0,
                    vat_rate=line.vat_rate or "22",
                    unit_code=line.unit_code,
                )
                for line in lines
            ],
        )


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The browser paths run on SQLite; the httpx tests cover PostgreSQL."""
    return sqlite_url


@pytest.fixture
def page(console_url: str) -> Iterator[object]:
    with opened_page(console_url) as opened:
        opened.dialogs = []
        opened.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        yield opened


def test_a_manager_filters_opens_downloads_repeats_and_signs_out(gateway, page):
    gateway.pipeline.submitter = EchoSubmitter()
    order_id = add_order(gateway, "acme", status="invoiced", total="1250.00")
    add_order(gateway, "acme", status="delivered", total="90.00")
    add_order(gateway, "globex", status="invoiced", total="1250.00")
    add_document(gateway, "acme", order_id, filename="invoice.pdf", content=b"%PDF-1")
    add_user(gateway, "maria", "manager", "acme")

    sign_in(page, "maria")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.goto("/console/orders")
    page.select_option("select[name=status]", "invoiced")
    page.click("#order-filters button[type=submit]")
    rows = page.locator("#orders tbody tr")

    assert rows.count() == 1
    rows.first.locator("a").click()
    page.screenshot(path=str(ARTIFACTS / "order.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=invoice.pdf")
    assert download.value.suggested_filename == "invoice.pdf"

    page.click("#repeat")
    page.wait_for_url("**/console/orders?note=repeated")
    gateway.pipeline.submit_ready()
    page.reload()
    assert page.locator("#orders tbody tr").count() == 3
    assert page.locator("#orders tbody tr td", has_text="console").count() == 1

    page.click("#sign-out")
    page.wait_for_url("**/console/login")
    page.goto("/console/orders")
    assert "/console/login" in page.url


def test_an_integrator_fixes_an_item_table_replays_and_retries_a_dead_delivery(
    gateway, page, console_url
):
    gateway.pipeline.submitter = EchoSubmitter()
    install_mappings(gateway)
    requisition = {
        "external_id": "ACME-HELD-1",
        "number": "H-1",
        "lines": [{"client_item_code": "PEN-BLUE", "quantity": "4"}],
    }
    posted = httpx.post(
        f"{console_url}/api/v1/requisitions?tenant=acme",
        json=requisition,
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert posted.status_code < 300, posted.text
    message_id, state = _intake_of(gateway, "ACME-HELD-1")
    assert state == "held"
    delivery_id = add_delivery(gateway, "acme", state="dead")
    add_user(gateway, "ian", "integrator")

    sign_in(page, "ian")
    page.click("header nav >> text=Маппинги")
    page.wait_for_url("**/console/mappings")
    page.screenshot(path=str(ARTIFACTS / "mappings.png"), full_page=True)
    page.click("#tables >> text=acme_items")
    page.fill("#add-row input[name='cell:client_item_code']", "PEN-BLUE")
    page.fill("#add-row input[name='cell:article']", "304391")
    page.click("#add-row button[type=submit]")
    page.wait_for_url("**/console/mappings/tables/acme_items?note=added")
    assert (
        page.locator(
            "#table-rows input[name='cell:client_item_code'][value='PEN-BLUE']"
        ).count()
        == 1
    )

    page.goto(f"/console/messages/{message_id}")
    page.click("#replay")
    page.wait_for_url(f"**/console/messages/{message_id}#replays")
    assert page.locator("#replay-list a").count() == 1
    assert gateway.pipeline.submit_ready() == 1
    page.goto("/console/orders")
    row = page.locator("#orders tbody tr", has_text="api")
    assert row.count() == 1
    row.locator("a").click()
    assert page.locator("#lines td", has_text="304391").count() == 1

    page.goto(f"/console/deliveries/{delivery_id}")
    page.click("#retry")
    assert "Доставка поставлена в очередь" in page.content()
    assert page.locator(".status", has_text="ожидает").count() == 1


def _intake_of(gateway, external_id: str) -> tuple[int, str]:  # noqa: ANN001
    """The message a requisition came in and the state it was kept in."""
    with gateway.db.session() as session:
        requisition = session.execute(
            select(Requisition).where(Requisition.external_id == external_id)
        ).scalar_one()
        return requisition.message_id, requisition.state


def test_a_script_in_a_payload_is_text_and_never_runs(gateway, page):
    message_id = store_message(gateway, SCRIPT_PAYLOAD)
    add_user(gateway, "isaac", "integrator")

    sign_in(page, "isaac")
    page.goto(f"/console/messages/{message_id}")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "message-log.png"), full_page=True)

    assert page.dialogs == []
    assert "<script>alert(1)</script>" in page.inner_text("#payload")
    assert page.locator("#payload img, #payload script, #payload b").count() == 0


def test_a_manager_cannot_open_another_tenants_order(gateway, page):
    theirs = add_order(gateway, "globex")
    add_user(gateway, "mona", "manager", "acme")

    sign_in(page, "mona")
    answer = page.goto(f"/console/orders/{theirs}")

    assert answer.status == 404
    assert page.locator("a[href='/console/messages']").count() == 0


def test_an_admin_fixes_requisites_and_adds_a_delivery_address(gateway, page):
    add_user(gateway, "adam", "admin")

    sign_in(page, "adam")
    page.click("header nav >> text=Настройки")
    page.wait_for_url("**/console/settings/acme")
    page.fill("#requisites input[name=inn]", "7707083894")
    page.click("#requisites button[type=submit]")
    refused = page.inner_text("main .error")
    page.fill("#add-address input[name=code]", "WH-2")
    page.fill("#add-address input[name=address]", "Москва, Складская ул., 7")
    page.check("#add-address input[name=default]")
    page.click("#add-address button[type=submit]")
    page.wait_for_url("**/console/settings/acme?note=address")
    page.screenshot(path=str(ARTIFACTS / "settings.png"), full_page=True)

    assert "check digit" in refused
    assert page.locator("#addresses tbody tr").count() == 2
    default = gateway.settings.tenant("acme").delivery_addresses[-1]
    assert (default.code, default.default) == ("WH-2", True)
