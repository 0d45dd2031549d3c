"""Console downloads refuse a format they do not make, as the REST API does."""

from __future__ import annotations

import pytest

from tests.cabinet_finance.test_finance_pages import browser, late  # noqa: F401

PERIOD = "start=2026-01-01&end=2026-12-31"


@pytest.mark.parametrize(
    ("path", "form"),
    [
        (f"/console/reports/export?report=month&{PERIOD}&format=pdf", "pdf"),
        (f"/console/finances/reconciliation?{PERIOD}&format=doc", "doc"),
    ],
)
def test_an_unknown_export_format_is_refused_on_the_page(
    late,  # noqa: F811
    browser,  # noqa: F811
    path: str,
    form: str,
):
    accountant = browser("anna", "accountant")

    answer = accountant.get(path)

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert f"неизвестный формат выгрузки &#39;{form}&#39;" in answer.text


def test_an_unknown_payment_request_format_is_refused_on_the_page(
    late,  # noqa: F811
    browser,  # noqa: F811
):
    accountant = browser("anna", "accountant")
    (invoice,) = late.documents("invoice")

    answer = accountant.get(
        f"/console/finances/invoices/{invoice.id}/payment-request?format=docx"
    )

    assert answer.status_code == 422
    assert "неизвестный формат выгрузки" in answer.text


def test_the_named_formats_still_download(late, browser):  # noqa: F811
    accountant = browser("anna", "accountant")

    csv = accountant.get(f"/console/reports/export?report=month&{PERIOD}&format=csv")
    pdf = accountant.get(f"/console/finances/reconciliation?{PERIOD}&format=pdf")

    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
