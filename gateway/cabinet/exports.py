"""Reports as files: CSV for anything that reads text, XLSX for spreadsheets.

Both are generators of bytes over a report's rows, so a route hands them to a
streaming response and a report of a million lines never sits in memory.

CSV is written for Russian Excel, which opens it with a double click: UTF-8 with
a byte order mark (else Excel guesses windows-1251), ``;`` between fields (the
comma is the decimal separator there), decimals with a comma, dates as
``ДД.ММ.ГГГГ``. A chunk of rows goes out as soon as it is written.

XLSX is written by openpyxl in write-only mode: each row goes straight into the
sheet's XML in a temporary file, with number formats per column and a totals
row of ``SUM`` formulas at the end. A zip archive can only be finished once its
last part is written, so the bytes are sent after the last row, from the
temporary file, a chunk at a time.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gateway.cabinet.reports import Column, Report

BOM = "\ufeff"
CSV_ROWS_PER_CHUNK = 500
FILE_CHUNK = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = {
    "money": "#,##0.00",
    "quantity": "#,##0.###",
    "count": "0",
    "percent": "0.00",
    "days": "0.0",
    "date": "DD.MM.YYYY",
}
WIDTHS = {"text": 28, "date": 12, "money": 16, "quantity": 12, "count": 10}


def csv_chunks(report: Report, rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([column.title for column in report.columns])
    pending = 1
    for row in rows:
        writer.writerow([_text(value) for value in row])
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def xlsx_chunks(report: Report, rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as spool:
        write_xlsx(report, rows, spool)
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK):
            yield chunk


def write_xlsx(report: Report, rows: Iterable[tuple[Any, ...]], target: Any) -> int:
    """The report as a workbook into ``target``; returns how many rows it holds."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(report.title[:31])
    bold = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        width = WIDTHS.get(column.kind, 14)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, column.title, None, bold) for column in report.columns])

    # Only cells with a number format need a cell object; plain text goes as is.
    formatted = [column.kind in FORMATS for column in report.columns]
    count = 0
    for row in rows:
        sheet.append(
            [
                _cell(sheet, value, column) if styled else value
                for value, column, styled in zip(
                    row, report.columns, formatted, strict=True
                )
            ]
        )
        count += 1

    sheet.append(_totals_row(sheet, report, count, bold))
    book.save(target)
    return count


def _totals_row(sheet: Any, report: Report, count: int, bold: Font) -> list[Any]:
    """``Итого`` in the first column, ``=SUM(...)`` under each summed column."""
    last = count + 1
    cells = []
    for index, column in enumerate(report.columns, start=1):
        if index == 1:
            value: Any = "Итого"
        elif column.total and count:
            letter = get_column_letter(index)
            value = f"=SUM({letter}2:{letter}{last})"
        elif column.total:
            value = 0
        else:
            value = None
        cells.append(_cell(sheet, value, column if column.total else None, bold))
    return cells


def _cell(sheet: Any, value: Any, column: Column | None, font: Font | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if column is not None and column.kind in FORMATS:
        cell.number_format = FORMATS[column.kind]
    if font is not None:
        cell.font = font
    return cell
