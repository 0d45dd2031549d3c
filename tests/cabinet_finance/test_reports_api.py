"""Reports over REST: totals that equal the orders, CSV and XLSX that read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from openpyxl import load_workbook

from gateway.api import create_app
from gateway.hub import Hub
from gateway.store.ordering import CostCenter
from tests.cabinet_finance.harness import api, api_token
from tests.cabinet_finance.orders import Item, place
from tests.support.servers import serve

PAPER, PEN, CHAIR = "101", "202", "303"
PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}


@pytest.fixture
def spent(hub: Hub) -> Decimal:
    """Acme's orders (one cancelled, not spent) and one of globex's."""
    with hub.db.session() as session:
        session.add(
            CostCenter(tenant_id="acme", code="CC-1", name="Офис", updated_by="test")
        )
    totals = [
        place(
            hub,
            "acme",
            "R1",
            [
                Item(PAPER, "Бумага А4", Decimal(10), Decimal("350.00")),
                Item(PEN, "Ручка синяя", Decimal(5), Decimal("40.50")),
            ],
            day=date(2026, 1, 20),
            cost_center="CC-1",
            address="MAIN",
            lead_days=2,
        ),
        place(
            hub,
            "acme",
            "R2",
            [Item(PAPER, "Бумага А4", Decimal(10), Decimal("385.00"))],
            day=date(2026, 2, 5),
            channel="console",
            cost_center="CC-2",
            address="MAIN",
            lead_days=5,
        ),
        place(
            hub,
            "acme",
            "R4",
            [Item(PEN, "Ручка синяя", Decimal(7), Decimal("40.50"))],
            day=date(2026, 2, 8),
            channel="sap",
            status="submitted",
        ),
    ]
    place(
        hub,
        "acme",
        "R3",
        [Item(CHAIR, "Кресло", Decimal(1), Decimal("1000.00"))],
        day=date(2026, 2, 7),
        status="cancelled",
    )
    place(
        hub,
        "globex",
        "G1",
        [Item(PAPER, "Бумага А4", Decimal(2), Decimal("999.00"))],
        day=date(2026, 2, 1),
    )
    return sum(totals, Decimal(0))


@pytest.fixture
def url(hub: Hub) -> Iterator[str]:
    with serve(create_app(hub)) as found:
        yield found


@pytest.fixture
def acme(hub: Hub, url: str) -> Iterator[httpx.Client]:
    with api(url, api_token(hub, "acme")) as client:
        yield client


def _gross(report: dict) -> Decimal:
    keys = [c["key"] for c in report["columns"]]
    return Decimal(str(report["totals"][keys.index("gross")]))


@pytest.mark.parametrize(
    "key", ["category", "item", "cost-centre", "address", "month", "channel", "lines"]
)
def test_spending_totals_equal_the_orders(spent: Decimal, acme, key: str):
    report = acme.get(f"/reports/{key}", params=PERIOD).json()

    assert _gross(report) == spent
    assert report["truncated"] is False


def test_spending_by_cost_centre_names_the_centres(spent: Decimal, acme):
    rows = acme.get("/reports/cost-centre", params=PERIOD).json()["rows"]

    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("—", "без МВЗ", 1),
        ("CC-1", "Офис", 1),
        ("CC-2", "—", 1),
    ]


def test_spending_by_month_and_channel(spent: Decimal, acme):
    months = acme.get("/reports/month", params=PERIOD).json()["rows"]
    channels = acme.get("/reports/channel", params=PERIOD).json()["rows"]

    assert [(r[0], r[1]) for r in months] == [("2026-01", 1), ("2026-02", 2)]
    assert sorted(r[0] for r in channels) == ["api", "console", "sap"]


def test_a_period_limits_the_orders(spent: Decimal, acme):
    report = acme.get(
        "/reports/item", params={"start": "2026-02-01", "end": "2026-02-06"}
    ).json()

    assert [r[0] for r in report["rows"]] == [PAPER]
    assert _gross(report) == Decimal("3850.00")


def test_price_changes_show_first_and_last_price(spent: Decimal, acme):
    rows = acme.get("/reports/prices", params=PERIOD).json()["rows"]

    paper = next(r for r in rows if r[0] == PAPER)
    assert paper[3] == "350.00" and paper[5] == "385.00"
    assert paper[8] == "10.00"


def test_orders_by_status_and_lead_time(spent: Decimal, acme):
    statuses = acme.get("/reports/status", params=PERIOD).json()["rows"]
    lead = acme.get("/reports/lead-time", params=PERIOD).json()["rows"]

    assert {r[0]: r[1] for r in statuses} == {
        "доставлен": 2,
        "отправлен в Комус": 1,
        "отменён": 1,
    }
    assert [r[1] for r in lead] == [0, 1, 1, 0, 0]
    assert lead[1][2] == "2.0" and lead[2][2] == "5.0"


def test_csv_is_for_russian_excel_and_sums_to_the_orders(spent: Decimal, acme):
    answer = acme.get("/reports/lines", params=PERIOD | {"format": "csv"})

    assert answer.content.startswith("\ufeff".encode())
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(
        csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";")
    )
    header, data = rows[0], rows[1:]
    gross = header.index("Сумма с НДС, ₽")
    assert len(data) == 4
    assert sum(Decimal(r[gross].replace(",", ".")) for r in data) == spent
    assert data[0][0] == "20.01.2026"


def test_xlsx_has_formats_and_a_sum_row(spent: Decimal, acme):
    answer = acme.get("/reports/item", params=PERIOD | {"format": "xlsx"})

    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows())
    header, data, last = rows[0], rows[1:-1], rows[-1]
    gross = [c.value for c in header].index("Сумма с НДС, ₽")
    column = header[gross].column_letter
    assert last[0].value == "Итого"
    assert last[gross].value == f"=SUM({column}2:{column}{len(data) + 1})"
    assert data[0][gross].number_format == "#,##0.00"
    total = sum(Decimal(str(r[gross].value)) for r in data)
    assert total.quantize(Decimal("0.01")) == spent


def test_another_tenants_orders_stay_out(spent: Decimal, hub: Hub, url: str, acme):
    with api(url, api_token(hub, "globex")) as globex:
        own = globex.get("/reports/item", params=PERIOD).json()
        foreign = globex.get("/reports/item", params=PERIOD | {"tenant": "acme"})

    assert _gross(own) == Decimal("1998.00")
    assert foreign.status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/reports/weather", PERIOD, "category"),
        ("/reports/item", {"start": "2026-02-28", "end": "2026-02-01"}, "before it"),
        ("/reports/item", {"start": "2026-02-31", "end": "2026-03-01"}, "start"),
        ("/reports/item", {"start": "2026-02-01"}, "end"),
        ("/reports/item", PERIOD | {"format": "ods"}, "format"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(hub: Hub, acme, path, params, words):
    answer = acme.get(path, params=params)

    assert answer.status_code == 422
    assert words in answer.json()["error"]["message"]


@pytest.mark.parametrize("key", ["item", "lines"])
def test_a_period_open_to_the_last_date_counts_every_order(
    spent: Decimal, acme, key: str
):
    report = acme.get(
        f"/reports/{key}", params={"start": "0001-01-01", "end": "9999-12-31"}
    )

    assert report.status_code == 200, report.text
    assert _gross(report.json()) == spent


def test_the_list_names_every_report(hub: Hub, acme):
    keys = [r["key"] for r in acme.get("/reports").json()]

    assert {"category", "item", "cost-centre", "address", "month", "channel"} <= set(
        keys
    )
    assert {"status", "lead-time", "prices", "lines"} <= set(keys)
