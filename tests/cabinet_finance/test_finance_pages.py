"""The Финансы and Отчёты pages over HTTP, for the roles that may and may not."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from gateway.store.tables import OrderLine
from tests.cabinet_finance.harness import DAY, World, total
from tests.console.harness import Browser, add_user


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def browser(world: World, gateway_url: str) -> Iterator[Callable[..., Browser]]:
    opened: list[Browser] = []

    def open_as(login: str, role: str, tenant: str | None = "acme") -> Browser:
        add_user(world.hub, login, role, tenant)
        client = Browser(gateway_url)
        assert client.sign_in(login).status_code == 303
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        client.close()


@pytest.fixture
def late(world: World) -> World:
    """One invoice never paid under three days' deferral, two days late."""
    world.terms("deferred", 3)
    world.plan([])
    world.invoiced_order("ЗК-PAGE")
    world.advance(5 * DAY)
    return world


def test_an_accountant_sees_balance_invoices_and_the_overdue_mark(late, browser):
    accountant = browser("anna", "accountant")

    page = accountant.get("/console/finances")

    assert page.status_code == 200
    (invoice,) = late.documents("invoice")
    assert invoice.number in page.text
    assert "просрочен на 2 дн." in page.text
    assert "отсрочка платежа 3 дн." in page.text
    assert (
        'href="/console/finances"' in page.text
        and 'href="/console/reports"' in page.text
    )


def test_the_reconciliation_statement_downloads_from_the_page(late, browser):
    accountant = browser("anna", "accountant")

    answer = accountant.get(
        "/console/finances/reconciliation?start=2026-02-01&end=2026-02-28&format=xlsx"
    )

    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet["A1"].value.startswith("Акт сверки взаимных расчётов")


def test_a_period_backwards_is_explained_on_the_page(late, browser):
    accountant = browser("anna", "accountant")

    answer = accountant.get(
        "/console/finances/reconciliation?start=2026-02-28&end=2026-02-01&format=pdf"
    )

    assert answer.status_code == 422
    assert "before it starts" in answer.text


def test_a_payment_request_downloads_for_the_unpaid_invoice(late, browser):
    accountant = browser("anna", "accountant")
    (invoice,) = late.documents("invoice")

    answer = accountant.get(f"/console/finances/invoices/{invoice.id}/payment-request")

    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")


def test_reports_page_shows_table_chart_and_totals(late, browser):
    manager = browser("maria", "manager")

    page = manager.get("/console/reports?report=item&start=2026-01-01&end=2026-12-31")

    assert page.status_code == 200
    assert "<svg" in page.text and 'id="report-total"' in page.text
    spent = sum((o.total for o in late.orders()), Decimal(0))
    assert f"{spent:,.2f}".replace(",", "\u00a0").replace(".", ",") in page.text


def test_a_report_export_reads_back(late, browser):
    accountant = browser("anna", "accountant")

    answer = accountant.get(
        "/console/reports/export?report=month&start=2026-01-01&end=2026-12-31"
        "&format=xlsx"
    )

    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    gross = rows[0].index("Сумма с НДС, ₽")
    found = sum(Decimal(str(r[gross])) for r in rows[1:-1])
    assert found == sum((o.total for o in late.orders()), Decimal(0))


@pytest.mark.parametrize("query", ["report=weather", "start=01.02.2026", "end=x"])
def test_bad_report_requests_are_explained(late, browser, query: str):
    accountant = browser("anna", "accountant")

    page = accountant.get(f"/console/reports?{query}")

    assert page.status_code == 422
    assert 'class="error"' in page.text


def test_a_viewer_sees_neither_page(late, browser):
    viewer = browser("victor", "viewer")

    finances = viewer.get("/console/finances")
    reports = viewer.get("/console/reports")

    assert finances.status_code == 403 and reports.status_code == 403
    assert 'href="/console/finances"' not in viewer.get("/console/").text


def test_a_manager_sees_reports_but_not_money(late, browser):
    manager = browser("maria", "manager")

    assert manager.get("/console/finances").status_code == 403
    assert manager.get("/console/reports").status_code == 200


def test_a_tenant_user_cannot_open_another_tenant(late, browser):
    accountant = browser("gleb", "accountant", "globex")

    own = accountant.get("/console/finances")
    other = accountant.get("/console/finances?tenant=acme")

    assert own.status_code == 200 and "Счетов пока нет." in own.text
    assert other.status_code == 404


def test_an_admin_for_all_tenants_picks_one(late, browser):
    admin = browser("root", "admin", None)

    page = admin.get("/console/finances?tenant=acme")

    assert page.status_code == 200
    assert total(late.documents("invoice")) > 0
    assert late.documents("invoice")[0].number in page.text


def test_spending_by_category_names_the_komus_categories(late, browser):
    manager = browser("maria", "manager")
    catalog = late.sandbox.catalog
    names = {c.id: c.name for c in catalog.categories}
    (order,) = late.orders()
    with late.hub.db.session() as session:
        articles = [
            line.article
            for line in session.execute(
                select(OrderLine).where(OrderLine.order_id == order.id)
            ).scalars()
        ]
    expected = {names[catalog.article(int(a)).category_id] for a in articles}

    page = manager.get(
        "/console/reports?report=category&start=2026-01-01&end=2026-12-31"
    )

    assert page.status_code == 200
    assert all(str(escape(name)) in page.text for name in expected)
    assert "Категория не известна" not in page.text
