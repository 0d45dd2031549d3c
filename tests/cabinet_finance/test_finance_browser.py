"""An accountant in headless Chromium: the reconciliation statement and a report."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cabinet_finance.harness import DAY, PAY, World
from tests.console.harness import add_user
from tests.support.chromium import ARTIFACTS, needs_chromium, opened_page, sign_in

PICK, SHIP = 30, 120

pytestmark = needs_chromium


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def page(gateway_url: str) -> Iterator[object]:
    with opened_page(gateway_url) as opened:
        yield opened


@pytest.fixture
def books(world: World) -> World:
    """Two orders shipped; the first paid at once, the second half paid."""
    world.invoiced_order("ЗК-B1")
    for minutes in (PAY, PICK, SHIP):
        world.advance(minutes)
    world.plan([{"afterDays": 1, "percent": 50}])
    world.invoiced_order("ЗК-B2", count=3)
    for minutes in (PAY, SHIP, DAY):
        world.advance(minutes)
    return world


def test_an_accountant_downloads_the_statement_and_the_spending_report(
    books: World, page, tmp_path: Path
):
    add_user(books.hub, "anna", "accountant", "acme")
    spent = sum((o.total for o in books.orders()), Decimal(0))
    shipped = sum((d.total for d in books.documents("upd")), Decimal(0))
    paid = sum((d.total for d in books.documents("payment")), Decimal(0))

    sign_in(page, "anna")
    page.click("nav >> text=Финансы")
    page.wait_for_selector("#invoices")
    page.screenshot(path=str(ARTIFACTS / "finances.png"), full_page=True)
    page.fill("#reconciliation input[name=start]", "2026-02-01")
    page.fill("#reconciliation input[name=end]", "2026-02-28")
    with page.expect_download() as statement:
        page.click("#reconciliation-xlsx")
    statement_file = tmp_path / statement.value.suggested_filename
    statement.value.save_as(statement_file)

    page.click("nav >> text=Отчёты")
    page.select_option("#report-choice", "item")
    page.fill("#report-form input[name=start]", "2026-01-01")
    page.fill("#report-form input[name=end]", "2026-12-31")
    page.click("#report-show")
    page.wait_for_selector("#report-total")
    page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)
    with page.expect_download() as report:
        page.click("#export-xlsx")
    report_file = tmp_path / report.value.suggested_filename
    report.value.save_as(report_file)

    sheet = load_workbook(statement_file).active
    labels = {row[1].value: row[1].row for row in sheet.iter_rows() if row[1].value}
    opening, turnover = labels["Сальдо начальное"], labels["Обороты за период"]
    entries = range(opening + 1, turnover)
    debits = sum(Decimal(str(sheet[f"C{r}"].value)) for r in entries)
    credits = sum(Decimal(str(sheet[f"D{r}"].value)) for r in entries)
    assert statement_file.name.endswith(".xlsx")
    assert sheet[f"C{opening}"].value == 0 and sheet[f"D{opening}"].value == 0
    assert debits == shipped and credits == paid and shipped > paid
    assert sheet[f"C{turnover}"].value.startswith("=SUM(")

    rows = list(load_workbook(report_file).active.iter_rows(values_only=True))
    gross = rows[0].index("Сумма с НДС, ₽")
    assert rows[-1][0] == "Итого" and rows[-1][gross].startswith("=SUM(")
    assert sum(Decimal(str(r[gross])) for r in rows[1:-1]) == spent
