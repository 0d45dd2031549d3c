"""The invoice (счёт на оплату) as a PDF, laid out the way Russian invoices are.

Cyrillic needs a Unicode TrueType font; the sandbox uses DejaVu Sans, which
Debian ships in fonts-dejavu-core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from connectors.komus.sandbox.supplier import Supplier
from connectors.komus.sandbox.words import amount_in_words
from gateway.errors import GatewayError
from gateway.money import LineAmounts, VatRate, sum_lines, vat_by_rate

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
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


class FontMissing(GatewayError):
    """The sandbox cannot draw Cyrillic PDFs without a Unicode font."""


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


def find_fonts(directories: Sequence[Path] = FONT_DIRS) -> dict[str, Path]:
    for directory in directories:
        found = {style: directory / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    searched = ", ".join(str(d) for d in directories)
    raise FontMissing(
        f"DejaVu Sans (DejaVuSans.ttf, DejaVuSans-Bold.ttf) not found in {searched}; "
        "install the Debian package fonts-dejavu-core "
        "(apt-get install fonts-dejavu-core) so the sandbox can print invoices"
    )


def render_invoice(invoice: Invoice, supplier: Supplier, created: datetime) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, path in find_fonts().items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_creation_date(created)
    pdf.set_title(f"Счёт на оплату № {invoice.number}")
    pdf.set_author(supplier.name)
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    _bank_block(pdf, supplier)
    _title(pdf, invoice)
    _parties(pdf, invoice, supplier)
    _lines(pdf, invoice.lines)
    _totals(pdf, invoice)
    _signatures(pdf, supplier)
    return bytes(pdf.output())


def _text(pdf: FPDF, size: float, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)


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


def _money(amount: Decimal) -> str:
    whole, _, fraction = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups},{fraction}"


def _quantity(quantity: Decimal) -> str:
    text = f"{quantity.normalize():f}"
    return text.replace(".", ",")
