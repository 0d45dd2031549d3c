"""The reconciliation statement (акт сверки взаимных расчётов) for a period.

Kept from Komus's side, as its accounting would send it: a shipment (each УПД)
is a debit, the buyer now owes for it; a payment is a credit. The opening balance
is everything before the period, debits less credits; a positive balance is what
the tenant owes Komus, a negative one an advance Komus holds. The spreadsheet keeps
turnovers and the closing balance as formulas over the rows, so an accountant who
edits a row sees the totals follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy import select
from sqlmodel import Session

from gateway.cabinet.finances import (
    ZERO,
    Party,
    day_of,
    payee_party,
    read_terms,
    tenant_party,
)
from gateway.errors import ValidationFailed
from gateway.printing import money, new_document, text
from gateway.store.tables import Document

DEBIT_KINDS = ("upd",)
CREDIT_KINDS = ("payment",)
KOMUS = "Комус"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD.MM.YYYY"


@dataclass
class Entry:
    day: date
    title: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass
class Statement:
    buyer: Party
    supplier: str
    start: date
    end: date
    opening: Decimal
    entries: list[Entry]

    @property
    def debits(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits

    @property
    def title(self) -> str:
        return (
            f"Акт сверки взаимных расчётов за период "
            f"с {self.start:%d.%m.%Y} по {self.end:%d.%m.%Y}"
        )


def check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed(
            [f"the period ends ({end}) before it starts ({start}); swap the dates"]
        )


def statement(session: Session, tenant_id: str, start: date, end: date) -> Statement:
    check_period(start, end)
    payee = payee_party(read_terms(session, tenant_id))
    documents = session.execute(
        select(Document)
        .where(
            Document.tenant_id == tenant_id,
            Document.kind.in_(DEBIT_KINDS + CREDIT_KINDS),  # type: ignore[attr-defined]
        )
        .order_by(Document.document_date, Document.id)
    ).scalars()
    opening, entries = ZERO, []
    for document in documents:
        day = day_of(document)
        if day > end:
            continue
        amount = document.total or ZERO
        debit = document.kind in DEBIT_KINDS
        if day < start:
            opening += amount if debit else -amount
            continue
        entries.append(_entry(document, day, amount, debit))
    entries.sort(key=lambda e: e.day)
    return Statement(
        buyer=tenant_party(session, tenant_id),
        supplier=payee.name if payee else KOMUS,
        start=start,
        end=end,
        opening=opening,
        entries=entries,
    )


def _entry(document: Document, day: date, amount: Decimal, debit: bool) -> Entry:
    number = document.number or str(document.id)
    if debit:
        return Entry(day, f"Отгрузка (УПД № {number} от {day:%d.%m.%Y})", debit=amount)
    return Entry(day, f"Оплата (п/п № {number} от {day:%d.%m.%Y})", credit=amount)


# -- XLSX --------------------------------------------------------------------------


def to_xlsx(found: Statement) -> bytes:
    """One sheet: header, opening balance, the entries, turnovers and closing.

    Debit and credit are columns C and D; turnovers are SUM formulas over the
    entries, the closing balance a formula over the opening row and the turnovers,
    split into debit (owed to Komus) or credit (held as an advance).
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "Акт сверки"
    bold = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 52
    sheet.column_dimensions["C"].width = 16
    sheet.column_dimensions["D"].width = 16

    sheet["A1"] = found.title
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["A2"] = f"между {found.supplier} и {found.buyer.name}"
    sheet["A3"] = f"ИНН {found.buyer.inn}" + (
        f", КПП {found.buyer.kpp}" if found.buyer.kpp else ""
    )
    sheet["A4"] = f"По данным {found.supplier}, руб."
    header = 5
    for column, title in zip(
        "ABCD", ("Дата", "Документ", "Дебет", "Кредит"), strict=True
    ):
        cell = sheet[f"{column}{header}"]
        cell.value = title
        cell.font = bold
        cell.alignment = Alignment(horizontal="center")
        cell.border = Border(bottom=Side(style="thin"))

    opening = header + 1
    sheet[f"B{opening}"] = "Сальдо начальное"
    sheet[f"B{opening}"].font = bold
    sheet[f"C{opening}"] = max(found.opening, ZERO)
    sheet[f"D{opening}"] = max(-found.opening, ZERO)

    first = opening + 1
    for row, entry in enumerate(found.entries, start=first):
        sheet[f"A{row}"] = entry.day
        sheet[f"A{row}"].number_format = DATE_FORMAT
        sheet[f"B{row}"] = entry.title
        sheet[f"C{row}"] = entry.debit
        sheet[f"D{row}"] = entry.credit
    last = first + len(found.entries) - 1

    turnover = last + 1
    sheet[f"B{turnover}"] = "Обороты за период"
    for column in "CD":
        sheet[f"{column}{turnover}"] = (
            f"=SUM({column}{first}:{column}{last})" if found.entries else 0
        )
    closing = turnover + 1
    sheet[f"B{closing}"] = "Сальдо конечное"
    signed = f"(C{opening}-D{opening}+C{turnover}-D{turnover})"
    sheet[f"C{closing}"] = f"=MAX({signed},0)"
    sheet[f"D{closing}"] = f"=MAX(-{signed},0)"
    for row in (turnover, closing):
        for column in "BCD":
            sheet[f"{column}{row}"].font = bold
    for row in range(opening, closing + 1):
        for column in "CD":
            sheet[f"{column}{row}"].number_format = MONEY_FORMAT

    note = closing + 2
    sheet[f"A{note}"] = _closing_words(found)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _closing_words(found: Statement) -> str:
    if found.closing > 0:
        return (
            f"На {found.end:%d.%m.%Y} задолженность в пользу {found.supplier}: "
            f"{money(found.closing)} руб."
        )
    if found.closing < 0:
        return (
            f"На {found.end:%d.%m.%Y} задолженность в пользу {found.buyer.name}: "
            f"{money(-found.closing)} руб."
        )
    return f"На {found.end:%d.%m.%Y} задолженность отсутствует."


# -- PDF ---------------------------------------------------------------------------

COLUMNS = (("Дата", 22, "CENTER"), ("Документ", 108, "LEFT"), ("Дебет", 30, "RIGHT"))
COLUMNS += (("Кредит", 30, "RIGHT"),)


def to_pdf(found: Statement, created: datetime) -> bytes:
    pdf = new_document(found.title, found.supplier, created)
    text(pdf, 12, bold=True)
    pdf.multi_cell(0, 6, found.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    text(pdf, 10)
    pdf.multi_cell(
        0,
        5,
        f"между {found.supplier} и {found.buyer.name} (ИНН {found.buyer.inn}"
        + (f", КПП {found.buyer.kpp})" if found.buyer.kpp else ")"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    text(pdf, 9)
    pdf.cell(
        0, 5, f"По данным {found.supplier}, руб.", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    with pdf.table(
        col_widths=tuple(width for _, width, _ in COLUMNS),
        text_align=tuple(align for _, _, align in COLUMNS),
        line_height=5,
    ) as table:
        table.row(tuple(title for title, _, _ in COLUMNS))
        table.row(("", "Сальдо начальное", *_sides(found.opening)))
        for entry in found.entries:
            table.row(
                (
                    f"{entry.day:%d.%m.%Y}",
                    entry.title,
                    money(entry.debit) if entry.debit else "",
                    money(entry.credit) if entry.credit else "",
                )
            )
        table.row(("", "Обороты за период", money(found.debits), money(found.credits)))
        table.row(("", "Сальдо конечное", *_sides(found.closing)))
    pdf.ln(4)
    text(pdf, 10, bold=True)
    pdf.multi_cell(0, 5, _closing_words(found), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    text(pdf, 9)
    for side in (found.supplier, found.buyer.name):
        pdf.cell(95, 6, f"От {side}")
    pdf.ln(10)
    for _ in range(2):
        pdf.cell(95, 6, "_" * 30)
    return bytes(pdf.output())


def _sides(balance: Decimal) -> tuple[str, str]:
    if balance > 0:
        return money(balance), ""
    if balance < 0:
        return "", money(-balance)
    return money(ZERO), ""
