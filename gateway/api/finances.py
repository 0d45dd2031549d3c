"""A tenant's money with Komus over REST: balance, invoices, payments, documents.

Every route answers for one tenant: a tenant's token for its own, an all-tenant
token for the one it names with ``?tenant=``. The reconciliation statement comes
as JSON, XLSX or PDF; a payment request for an invoice as PDF or XLSX.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlmodel import Session

from gateway.api.attachments import download
from gateway.api.auth import Caller, current_caller
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.params import Day, Id
from gateway.cabinet import payment_requests, reconciliation
from gateway.cabinet.finances import (
    Invoice,
    Payment,
    balance,
    invoices,
    payments,
    read_terms,
    today,
)
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.store.tables import Tenant

router = APIRouter(prefix="/finances", tags=["finances"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
InvoiceState = Literal["open", "partly_paid", "overdue", "paid"]


class TermsOut(BaseModel):
    kind: str
    days: int
    paysystem: str | None
    title: str


class SummaryOut(BaseModel):
    tenant_id: str
    today: date
    terms: TermsOut | None
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal
    overdue_invoices: int
    shipped: Decimal
    settlement: Decimal


class InvoiceOut(BaseModel):
    document_id: int
    order_id: int | None
    order_number: str | None
    number: str | None
    date: date
    due: date | None
    total: Decimal
    vat: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue_days: int
    state: str

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls(
            document_id=invoice.document_id,
            order_id=invoice.order_id,
            order_number=invoice.order_number,
            number=invoice.number,
            date=invoice.issued_on,
            due=invoice.due_on,
            total=invoice.total,
            vat=invoice.vat,
            paid=invoice.paid,
            outstanding=invoice.outstanding,
            overdue_days=invoice.overdue_days,
            state=invoice.state,
        )


class PaymentOut(BaseModel):
    document_id: int
    order_id: int | None
    order_number: str | None
    number: str | None
    date: date
    amount: Decimal
    vat: Decimal
    invoice_number: str | None
    purpose: str | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls(
            document_id=payment.document_id,
            order_id=payment.order_id,
            order_number=payment.order_number,
            number=payment.number,
            date=payment.paid_on,
            amount=payment.amount,
            vat=payment.vat,
            invoice_number=payment.invoice_number,
            purpose=payment.purpose,
        )


class EntryOut(BaseModel):
    date: date
    document: str
    debit: Decimal
    credit: Decimal


class StatementOut(BaseModel):
    tenant_id: str
    buyer: str
    supplier: str
    start: date
    end: date
    opening: Decimal
    debits: Decimal
    credits: Decimal
    closing: Decimal
    entries: list[EntryOut]


def tenant_of(session: Session, caller: Caller, requested: str | None) -> str:
    """The one tenant a finance route answers for."""
    tenant_id = caller.tenant_filter(requested)
    if tenant_id is None:
        raise ValidationFailed(
            ["this token sees every tenant: name the tenant with ?tenant=<id>"]
        )
    if session.get(Tenant, tenant_id) is None:
        raise NotFound(f"tenant {tenant_id!r} does not exist")
    return tenant_id


TenantQuery = Annotated[str | None, Query(description="all-tenant tokens only")]


@router.get("/summary", response_model=SummaryOut)
def summary(
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> SummaryOut:
    """Balance, what is outstanding and overdue, and the payment terms."""
    on = today(hub.clock)
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
        terms = read_terms(session, tenant_id)
        found = balance(session, tenant_id, on)
    return SummaryOut(
        tenant_id=tenant_id,
        today=on,
        terms=TermsOut(
            kind=terms.kind,
            days=terms.days,
            paysystem=terms.paysystem,
            title=terms.title,
        )
        if terms
        else None,
        invoiced=found.invoiced,
        paid=found.paid,
        outstanding=found.outstanding,
        overdue=found.overdue,
        overdue_invoices=found.overdue_invoices,
        shipped=found.shipped,
        settlement=found.settlement,
    )


@router.get("/invoices", response_model=list[InvoiceOut])
def list_invoices(
    state: InvoiceState | None = None,
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> list[InvoiceOut]:
    """Oldest first, each with its due date, what paid it and days overdue."""
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
        found = invoices(session, tenant_id, today(hub.clock))
    return [InvoiceOut.of(i) for i in found if state is None or i.state == state]


@router.get("/payments", response_model=list[PaymentOut])
def list_payments(
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> list[PaymentOut]:
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
        return [PaymentOut.of(p) for p in payments(session, tenant_id)]


@router.get(
    "/reconciliation",
    response_model=StatementOut,
    responses={200: {"content": {XLSX: {}, PDF: {}}}},
)
def reconciliation_statement(
    start: Day = Query(description="first day of the period"),
    end: Day = Query(description="last day of the period"),
    format: Literal["json", "xlsx", "pdf"] = "json",  # noqa: A002 - the query name
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> StatementOut | Response:
    """The акт сверки: opening balance, shipments, payments, closing balance."""
    reconciliation.check_period(start, end)
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
        found = reconciliation.statement(session, tenant_id, start, end)
    name = f"akt-sverki-{tenant_id}-{start:%Y%m%d}-{end:%Y%m%d}"
    if format == "xlsx":
        return download(reconciliation.to_xlsx(found), XLSX, f"{name}.xlsx")
    if format == "pdf":
        return download(
            reconciliation.to_pdf(found, hub.clock.now()), PDF, f"{name}.pdf"
        )
    return StatementOut(
        tenant_id=tenant_id,
        buyer=found.buyer.name,
        supplier=found.supplier,
        start=start,
        end=end,
        opening=found.opening,
        debits=found.debits,
        credits=found.credits,
        closing=found.closing,
        entries=[
            EntryOut(date=e.day, document=e.title, debit=e.debit, credit=e.credit)
            for e in found.entries
        ],
    )


@router.get(
    "/invoices/{document_id}/payment-request",
    responses={200: {"content": {XLSX: {}, PDF: {}}}},
    response_class=Response,
)
def payment_request(
    document_id: Id,
    format: Literal["pdf", "xlsx"] = "pdf",  # noqa: A002 - the query name
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Response:
    """A заявка на оплату for what is still due on the invoice."""
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
        request = payment_requests.payment_request(
            session, tenant_id, document_id, today(hub.clock)
        )
    name = f"zayavka-na-oplatu-{request.invoice.number or document_id}"
    if format == "xlsx":
        return download(payment_requests.to_xlsx(request), XLSX, f"{name}.xlsx")
    return download(
        payment_requests.to_pdf(request, hub.clock.now()), PDF, f"{name}.pdf"
    )
