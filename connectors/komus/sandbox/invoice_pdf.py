"""The invoice (счёт на оплату) as a PDF, laid out the way Russian invoices are.

The font and the way figures are printed come from ``gateway.printing``, which
the gateway's own documents (reconciliation statements, payment requests) share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from connectors.komus.sandbox.supplier import Supplier
from connectors.komus.sandbox.words import amount_in_words
from gateway.money import LineAmounts, VatRate, sum_lines, vat_by_rate
from gateway.printing import FontMissing, find_fonts, new_document
from gateway.printing import money as _money
from gateway.printing import quantity as _quantity
from gateway.printing import text as _text

__all__ = ["FontMissing", "Invoice", "InvoiceLine", "Party", "find_fonts"]

COLUMNS = (
    ("№", 8, "CENTER"),
    ("Артикул", 17, "CENTER"),
    ("Товар", 67, "LEFT"),
    ("Кол-во", 14, "RIGHT"),
    ("Ед.", 11, "CENTER"),
    ("Цена", 19, "RIGHT"),
    ("НДС", 11, "CENTER"),
    ("Сумма НДС", 19, "RIGHT"),
    ("Сумма", 24, "RIGHT"),
)


@dataclass(frozen=True)
class Party:
    name: str
    inn: str
    kpp: str | None
    address: str


@dataclass(frozen=True)
class InvoiceLine:
    artnumber: int
    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    rate: VatRate
    amounts: LineAmounts


@dataclass(frozen=True)
class Invoice:
    number: str
    issued: date
    due: date
    basis: str
    buyer: Party
    consignee: Party | None
    lines: Sequence[InvoiceLine]


def render_invoice(invoice: Invoice, supplier: Supplier, created: datetime) -> bytes:
    pdf = new_document(f"Счёт на оплату № {invoice.number}", supplier.name, created)

    _bank_block(pdf, supplier)
    _title(pdf, invoice)
    _parties(pdf, invoice, supplier)
    _lines(pdf, invoice.lines)
    _totals(pdf, invoice)
    _signatures(pdf, supplier)
    return bytes(pdf.output())


def _bank_block(pdf: FPDF, supplier: Supplier) -> None:
    _text(pdf, 8)
    with pdf.table(
        col_widths=(95, 20, 75), first_row_as_headings=False, line_height=5
    ) as table:
        table.row(
            (
                f"{supplier.bank}\nБанк получателя",
                "БИК\nСч. №",
                f"{supplier.bik}\n{supplier.correspondent_account}",
            )
        )
        table.row(
            (
                f"ИНН {supplier.inn}    КПП {supplier.kpp}\n{supplier.name}\n"
                "Получатель",
                "Сч. №",
                supplier.account,
            )
        )
    pdf.ln(4)


def _title(pdf: FPDF, invoice: Invoice) -> None:
    _text(pdf, 14, bold=True)
    pdf.cell(
        0,
        8,
        f"Счёт на оплату № {invoice.number} от {invoice.issued:%d.%m.%Y}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_line_width(0.5)
    pdf.line(10, pdf.get_y() + 1, 200, pdf.get_y() + 1)
    pdf.ln(4)


def _parties(pdf: FPDF, invoice: Invoice, supplier: Supplier) -> None:
    seller = Party(supplier.name, supplier.inn, supplier.kpp, supplier.address)
    rows = [("Поставщик:", seller), ("Покупатель:", invoice.buyer)]
    if invoice.consignee is not None:
        rows.append(("Грузополучатель:", invoice.consignee))
    for label, party in rows:
        _labelled(pdf, label, _describe(party))
    _labelled(pdf, "Основание:", invoice.basis)
    pdf.ln(2)


def _labelled(pdf: FPDF, label: str, text: str) -> None:
    _text(pdf, 9)
    pdf.cell(32, 5, label)
    _text(pdf, 9, bold=True)
    pdf.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _describe(party: Party) -> str:
    kpp = f", КПП {party.kpp}" if party.kpp else ""
    return f"{party.name}, ИНН {party.inn}{kpp}, {party.address}"


def _lines(pdf: FPDF, lines: Sequence[InvoiceLine]) -> None:
    _text(pdf, 8)
    with pdf.table(
        col_widths=tuple(width for _, width, _ in COLUMNS),
        text_align=tuple(align for _, _, align in COLUMNS),
        line_height=4.5,
    ) as table:
        table.row(tuple(title for title, _, _ in COLUMNS))
        for number, line in enumerate(lines, start=1):
            table.row(
                (
                    str(number),
                    str(line.artnumber),
                    line.name,
                    _quantity(line.quantity),
                    line.unit,
                    _money(line.price),
                    str(line.rate),
                    _money(line.amounts.vat),
                    _money(line.amounts.gross),
                )
            )
    pdf.ln(2)


def _totals(pdf: FPDF, invoice: Invoice) -> None:
    lines = invoice.lines
    total = sum_lines(line.amounts for line in lines)
    by_rate = vat_by_rate((line.rate, line.amounts) for line in lines)
    rows = [("Итого:", total.gross)]
    for rate, amounts in by_rate.items():
        label = "Без НДС:" if rate is VatRate.EXEMPT else f"В том числе НДС {rate}:"
        rows.append((label, amounts.vat))
    rows.append(("Всего к оплате:", total.gross))
    for label, amount in rows:
        _text(pdf, 9, bold=True)
        pdf.cell(160, 5, label, align="R")
        pdf.cell(30, 5, _money(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _text(pdf, 9)
    pdf.multi_cell(
        0,
        5,
        f"Всего наименований {len(lines)}, на сумму {_money(total.gross)} руб.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    _text(pdf, 9, bold=True)
    pdf.multi_cell(
        0, 5, amount_in_words(total.gross), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    _text(pdf, 8)
    pdf.multi_cell(
        0,
        4,
        f"Оплатить не позднее {invoice.due:%d.%m.%Y}. Товар отпускается по факту "
        "поступления оплаты либо в пределах кредитного лимита по договору.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_line_width(0.5)
    pdf.line(10, pdf.get_y() + 2, 200, pdf.get_y() + 2)
    pdf.ln(8)


def _signatures(pdf: FPDF, supplier: Supplier) -> None:
    _text(pdf, 9, bold=True)
    for title, person in (
        ("Руководитель", supplier.director),
        ("Бухгалтер", supplier.accountant),
    ):
        surname, name, patronymic = person
        pdf.cell(30, 6, title)
        pdf.cell(50, 6, "_" * 22)
        pdf.cell(
            0,
            6,
            f"{surname} {name[0]}. {patronymic[0]}.",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)
