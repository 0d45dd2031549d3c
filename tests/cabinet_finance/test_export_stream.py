"""Exports go out while the rows are still being read, never all at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from gateway.api.reports import stream_rows
from gateway.cabinet import exports
from gateway.cabinet.reports import REPORTS, Context, Filters
from gateway.hub import Hub
from tests.cabinet_finance.orders import Item, place

ORDERS, LINES = 30, 100


class Counted:
    """Rows passed through, counted, to see how far the reader has got."""

    def __init__(self, rows: Iterator[tuple]):
        self.rows = rows
        self.pulled = 0
        self.finished = False

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            self.pulled += 1
            yield row
        self.finished = True


def _fill(hub: Hub) -> Decimal:
    items = [
        Item(str(1000 + n), f"Товар {n}", Decimal(1 + n % 3), Decimal("10.50"))
        for n in range(LINES)
    ]
    return sum(
        (
            place(hub, "acme", f"S{n}", items, day=date(2026, 2, 1))
            for n in range(ORDERS)
        ),
        Decimal(0),
    )


def _rows(hub: Hub) -> Counted:
    filters = Filters("acme", date(2026, 2, 1), date(2026, 2, 28))
    return Counted(stream_rows(hub, REPORTS["lines"], filters, Context()))


def test_csv_chunks_leave_before_the_query_is_read_to_the_end(hub: Hub):
    _fill(hub)
    rows = _rows(hub)

    chunks = exports.csv_chunks(REPORTS["lines"], rows)
    first = next(chunks)

    assert 0 < rows.pulled < ORDERS * LINES
    assert not rows.finished
    assert first.startswith("\ufeff".encode())
    rest = b"".join(chunks)
    assert rows.finished and rows.pulled == ORDERS * LINES
    text = (first + rest).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) == 1 + ORDERS * LINES


def test_xlsx_reads_every_row_once_and_sums_to_the_orders(hub: Hub):
    spent = _fill(hub)
    rows = _rows(hub)

    content = b"".join(exports.xlsx_chunks(REPORTS["lines"], rows))

    assert rows.pulled == ORDERS * LINES
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    header, data, last = values[0], values[1:-1], values[-1]
    gross = header.index("Сумма с НДС, ₽")
    assert len(data) == ORDERS * LINES
    assert sum(Decimal(str(r[gross])) for r in data).quantize(Decimal("0.01")) == spent
    assert last[0] == "Итого" and str(last[gross]).startswith("=SUM(")


def test_a_stream_stopped_early_releases_its_session(hub: Hub):
    _fill(hub)
    rows = stream_rows(
        hub,
        REPORTS["lines"],
        Filters("acme", date(2026, 2, 1), date(2026, 2, 1)),
        Context(),
    )

    next(rows)
    rows.close()

    assert hub.db.engine.pool.checkedout() == 0
