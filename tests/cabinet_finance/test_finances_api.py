"""Finances over REST: balance, invoices, the reconciliation statement, requests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.cabinet_finance.harness import (
    DAY,
    PAY,
    World,
    api,
    api_token,
    total,
)

PICK, SHIP = 30, 120


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def acme(world: World, gateway_url: str) -> Iterator[httpx.Client]:
    with api(gateway_url, api_token(world.hub, "acme")) as client:
        yield client


@pytest.fixture
def history(world: World) -> World:
    """Feb 10: order 1 paid at once and shipped. Feb 12: order 2 shipped on
    credit, half paid on Feb 13. Feb 14: order 3 invoiced, not shipped."""
    world.invoiced_order("ЗК-H1")
    world.advance(PAY)
    world.advance(PICK)
    world.advance(SHIP)
    world.plan([{"afterDays": 1, "percent": 50}])
    world.advance(2 * DAY - (15 + PAY + PICK + SHIP))
    world.invoiced_order("ЗК-H2", count=1)
    world.advance(PAY)
    world.advance(SHIP)
    world.advance(2 * DAY)
    world.invoiced_order("ЗК-H3", count=1)
    return world


def _rows(sheet) -> dict[str, int]:
    return {
        row[1].value: row[1].row
        for row in sheet.iter_rows(min_row=1)
        if isinstance(row[1].value, str)
    }


def test_reconciliation_xlsx_balances_with_formulas(history: World, acme):
    answer = acme.get(
        "/finances/reconciliation",
        params={"start": "2026-02-11", "end": "2026-02-28", "format": "xlsx"},
    )

    assert answer.status_code == 200
    assert "akt-sverki" in answer.headers["content-disposition"]
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = _rows(sheet)
    opening, turnover = rows["Сальдо начальное"], rows["Обороты за период"]
    closing = rows["Сальдо конечное"]
    entries = range(opening + 1, turnover)
    debits = sum(Decimal(str(sheet[f"C{r}"].value)) for r in entries)
    credits = sum(Decimal(str(sheet[f"D{r}"].value)) for r in entries)
    start = Decimal(str(sheet[f"C{opening}"].value)) - Decimal(
        str(sheet[f"D{opening}"].value)
    )
    assert sheet[f"C{turnover}"].value == f"=SUM(C{opening + 1}:C{turnover - 1})"
    assert sheet[f"D{turnover}"].value == f"=SUM(D{opening + 1}:D{turnover - 1})"
    signed = f"(C{opening}-D{opening}+C{turnover}-D{turnover})"
    assert sheet[f"C{closing}"].value == f"=MAX({signed},0)"
    assert sheet[f"D{closing}"].value == f"=MAX(-{signed},0)"
    assert sheet[f"C{opening + 1}"].number_format == "#,##0.00"
    statement = acme.get(
        "/finances/reconciliation", params={"start": "2026-02-11", "end": "2026-02-28"}
    ).json()
    assert start + debits - credits == Decimal(statement["closing"])
    (upd2,) = [d for d in history.documents("upd") if d.document_date.day == 12]
    (half,) = history.documents("payment")[1:]
    assert debits == upd2.total and credits == half.total
    assert Decimal(statement["opening"]) == 0


def test_opening_balance_carries_what_came_before(history: World, acme):
    statement = acme.get(
        "/finances/reconciliation", params={"start": "2026-02-13", "end": "2026-02-28"}
    ).json()

    (upd2,) = [d for d in history.documents("upd") if d.document_date.day == 12]
    (half,) = history.documents("payment")[1:]
    assert Decimal(statement["opening"]) == upd2.total
    assert Decimal(statement["closing"]) == upd2.total - half.total
    assert [e["document"].split(" ")[0] for e in statement["entries"]] == ["Оплата"]


def test_reconciliation_pdf_names_the_tenant(history: World, acme):
    answer = acme.get(
        "/finances/reconciliation",
        params={"start": "2026-02-01", "end": "2026-02-28", "format": "pdf"},
    )

    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    words = "".join(
        page.extract_text() for page in PdfReader(BytesIO(answer.content)).pages
    )
    assert 'ООО "Акме"' in words
    assert "Акт сверки взаимных расчётов" in words


def test_summary_shows_balance_and_terms(history: World, acme):
    found = acme.get("/finances/summary").json()

    billed = total(history.documents("invoice"))
    paid = total(history.documents("payment"))
    assert Decimal(found["invoiced"]) == billed
    assert Decimal(found["paid"]) == paid
    assert Decimal(found["outstanding"]) == billed - paid
    assert found["terms"]["kind"] == "deferred" and found["terms"]["days"] == 30
    assert Decimal(found["settlement"]) == total(history.documents("upd")) - paid


def test_invoices_list_due_dates_and_states(history: World, acme):
    found = acme.get("/finances/invoices").json()

    assert [i["state"] for i in found] == ["paid", "partly_paid", "open"]
    assert all(i["due"] for i in found)
    assert acme.get("/finances/invoices", params={"state": "open"}).json() == found[2:]


def test_payment_request_asks_for_what_is_left(history: World, acme):
    invoice = acme.get("/finances/invoices", params={"state": "partly_paid"}).json()[0]

    answer = acme.get(
        f"/finances/invoices/{invoice['document_id']}/payment-request",
        params={"format": "xlsx"},
    )
    pdf = acme.get(f"/finances/invoices/{invoice['document_id']}/payment-request")

    sheet = load_workbook(BytesIO(answer.content)).active
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=3)}
    assert Decimal(str(values["К оплате"])) == Decimal(invoice["outstanding"])
    assert values["БИК"] == "044525225"
    assert values["Плательщик"] == 'ООО "Акме"'
    assert invoice["number"] in values["Назначение платежа"]
    assert "НДС" in values["Назначение платежа"]
    assert pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Заявка на оплату" in text and "044525225" in text


def test_paid_invoice_has_no_payment_request(history: World, acme):
    paid = acme.get("/finances/invoices", params={"state": "paid"}).json()[0]

    answer = acme.get(f"/finances/invoices/{paid['document_id']}/payment-request")

    assert answer.status_code == 409
    assert "paid in full" in answer.json()["error"]["message"]


def test_another_tenant_sees_none_of_it(history: World, gateway_url: str, acme):
    invoice = acme.get("/finances/invoices").json()[0]

    with api(gateway_url, api_token(history.hub, "globex")) as globex:
        summary = globex.get("/finances/summary").json()
        invoices = globex.get("/finances/invoices").json()
        request = globex.get(
            f"/finances/invoices/{invoice['document_id']}/payment-request"
        )
        foreign = globex.get("/finances/summary", params={"tenant": "acme"})

    assert Decimal(summary["invoiced"]) == 0 and invoices == []
    assert request.status_code == 404
    assert foreign.status_code == 403


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start": "2026-02-28", "end": "2026-02-01"}, "before it starts"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"start": "01.02.2026", "end": "2026-03-01"}, "valid date"),
        ({"start": "2026-02-01", "end": "2026-03-01", "format": "doc"}, "format"),
        ({"end": "2026-03-01"}, "start"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(world: World, acme, params, words):
    answer = acme.get("/finances/reconciliation", params=params)

    assert answer.status_code == 422
    assert words in answer.text


def test_an_all_tenant_token_must_name_the_tenant(world: World, gateway_url: str):
    with api(gateway_url, api_token(world.hub, None)) as admin:
        unnamed = admin.get("/finances/summary")
        named = admin.get("/finances/summary", params={"tenant": "acme"})
        unknown = admin.get("/finances/summary", params={"tenant": "nobody"})

    assert unnamed.status_code == 422 and "?tenant=" in unnamed.text
    assert named.status_code == 200
    assert unknown.status_code == 404
