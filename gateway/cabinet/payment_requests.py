"""A payment request (заявка на оплату) for one Komus invoice.

What an accountant hands to whoever releases payments: who pays (the tenant), whom
(Komus, with the bank requisites Komus sent with its payment terms), how much is
still due on the invoice, the VAT in it, by when, and the purpose of payment as it
goes into the payment order. The VAT of a partly paid invoice is the invoice's VAT
in proportion to what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session

from gateway.cabinet.finances import (
    Invoice,
    Party,
    invoices,
    payee_party,
    read_terms,
    tenant_party,
)
from gateway.errors import FinalError, NotFound, RetryableError
from gateway.money import round_money
from gateway.printing import money, new_document, text

MONEY_FORMAT = "#,##0.00"


class NothingToPay(FinalError):
    """The invoice is paid in full; a request for it would ask for nothing."""


class PayeeUnknown(RetryableError):
    """Komus's bank requisites have not been read yet (the next payment poll does)."""


@dataclass
class PaymentRequest:
    number: str
    created_on: date
    payer: Party
    payee: Party
    invoice: Invoice
    amount: Decimal
    vat: Decimal

    @property
    def purpose(self) -> str:
        number = self.invoice.number or str(self.invoice.document_id)
        order = (
            f" по заказу № {self.invoice.order_number}"
            if self.invoice.order_number
            else ""
        )
        return (
            f"Оплата по счёту № {number} от {self.invoice.issued_on:%d.%m.%Y}"
            f" за канцелярские товары{order}. Сумма {money(self.amount)} руб., "
            f"в т.ч. НДС {money(self.vat)} руб."
        )

    @property
    def title(self) -> str:
        return f"Заявка на оплату № {self.number} от {self.created_on:%d.%m.%Y}"


def payment_request(
    session: Session, tenant_id: str, document_id: int, on: date
) -> PaymentRequest:
    found = next(
        (i for i in invoices(session, tenant_id, on) if i.document_id == document_id),
        None,
    )
    if found is None:
        raise NotFound(f"invoice {document_id} does not exist")
    if found.outstanding <= 0:
        raise NothingToPay(
            f"invoice {found.number or document_id} is paid in full; "
            "there is nothing to request"
        )
    payee = payee_party(read_terms(session, tenant_id))
    if payee is None:
        raise PayeeUnknown(
            "Komus's bank requisites are not known yet; they arrive with the payment "
            "terms on the next payment poll, try again after it"
        )
    vat = found.vat
    if found.total and found.outstanding != found.total:
        vat = round_money(found.vat * found.outstanding / found.total)
    return PaymentRequest(
        number=f"ЗО-{found.number or document_id}",
        created_on=on,
        payer=tenant_party(session, tenant_id),
        payee=payee,
        invoice=found,
        amount=found.outstanding,
        vat=vat,
    )


def _rows(request: PaymentRequest) -> list[tuple[str, str]]:
    payer, payee, invoice = request.payer, request.payee, request.invoice
    return [
        ("Плательщик", payer.name),
        ("ИНН / КПП плательщика", f"{payer.inn} / {payer.kpp or '—'}"),
        ("Получатель", payee.name),
        ("ИНН / КПП получателя", f"{payee.inn} / {payee.kpp or '—'}"),
        ("Банк получателя", payee.bank or "—"),
        ("БИК", payee.bik or "—"),
        ("Корр. счёт", payee.correspondent_account or "—"),
        ("Расчётный счёт", payee.account or "—"),
        (
            "Счёт",
            f"№ {invoice.number or invoice.document_id} "
            f"от {invoice.issued_on:%d.%m.%Y}",
        ),
        ("Сумма счёта", money(invoice.total)),
        ("Оплачено ранее", money(invoice.paid)),
        (
            "Оплатить не позднее",
            f"{invoice.due_on:%d.%m.%Y}" if invoice.due_on else "—",
        ),
    ]


def to_pdf(request: PaymentRequest, created: datetime) -> bytes:
    pdf = new_document(request.title, request.payer.name, created)
    text(pdf, 14, bold=True)
    pdf.cell(0, 8, request.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    text(pdf, 10)
    with pdf.table(col_widths=(60, 130), first_row_as_headings=False) as table:
        for label, value in _rows(request):
            table.row((label, value))
        table.row(("К оплате", money(request.amount)))
        table.row(("В том числе НДС", money(request.vat)))
    pdf.ln(4)
    text(pdf, 10, bold=True)
    pdf.cell(0, 6, "Назначение платежа:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    text(pdf, 10)
    pdf.multi_cell(0, 5, request.purpose, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    for title in ("Составил", "Согласовал"):
        pdf.cell(40, 6, title)
        pdf.cell(0, 6, "_" * 30, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    return bytes(pdf.output())


def to_xlsx(request: PaymentRequest) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Заявка на оплату"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70
    sheet["A1"] = request.title
    sheet["A1"].font = Font(bold=True, size=12)
    row = 3
    for label, value in _rows(request):
        sheet[f"A{row}"] = label
        sheet[f"B{row}"] = value
        row += 1
    sheet[f"A{row}"] = "К оплате"
    sheet[f"B{row}"] = request.amount
    sheet[f"A{row + 1}"] = "В том числе НДС"
    sheet[f"B{row + 1}"] = request.vat
    for cell in (f"B{row}", f"B{row + 1}"):
        sheet[cell].number_format = MONEY_FORMAT
        sheet[cell].font = Font(bold=True)
    sheet[f"A{row + 2}"] = "Назначение платежа"
    sheet[f"B{row + 2}"] = request.purpose
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
