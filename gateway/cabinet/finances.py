"""A tenant's money with Komus: invoices with due dates, payments, balance, overdue.

Invoices and payments are the documents tracking and the payment poll recorded
from Komus. A payment belongs to an order, so it pays that order's invoice. The due
date of an invoice follows the terms Komus reports for the tenant: the invoice date
plus the deferral days, or the invoice date itself under prepayment. Days are
Komus's calendar days (Moscow), as on its documents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.clock import Clock
from gateway.pipeline import Pipeline
from gateway.store.database import Database
from gateway.store.finance import FinanceAccount, OverdueNotice
from gateway.store.tables import Document, Order, Tenant

log = structlog.get_logger(__name__)

MOSCOW = timezone(timedelta(hours=3), "MSK")
OVERDUE_EVENT = "payment.overdue"
ZERO = Decimal("0.00")
DEFERRED = "deferred"
PREPAYMENT = "prepayment"


@dataclass(frozen=True)
class Terms:
    kind: str  # deferred or prepayment
    days: int
    paysystem: str | None = None
    payee: dict[str, Any] = field(default_factory=dict)

    def due(self, issued: date) -> date:
        return issued + timedelta(days=self.days if self.kind == DEFERRED else 0)

    @property
    def title(self) -> str:
        if self.kind == PREPAYMENT:
            return "предоплата"
        return f"отсрочка платежа {self.days} дн."


@dataclass
class Invoice:
    document_id: int
    order_id: int | None
    order_number: str | None
    number: str | None
    issued_on: date
    total: Decimal
    vat: Decimal
    paid: Decimal = ZERO
    due_on: date | None = None
    overdue_days: int = 0

    @property
    def outstanding(self) -> Decimal:
        return max(self.total - self.paid, ZERO)

    @property
    def state(self) -> str:
        if self.outstanding == 0:
            return "paid"
        if self.overdue_days > 0:
            return "overdue"
        return "partly_paid" if self.paid > 0 else "open"


@dataclass
class Payment:
    document_id: int
    order_id: int | None
    order_number: str | None
    number: str | None
    paid_on: date
    amount: Decimal
    vat: Decimal
    invoice_number: str | None
    purpose: str | None


@dataclass
class Balance:
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal
    overdue_invoices: int
    shipped: Decimal

    @property
    def settlement(self) -> Decimal:
        """What the reconciliation statement closes with today: shipped less paid."""
        return self.shipped - self.paid


@dataclass
class Party:
    """A side of a document: its name and codes, and bank details when known."""

    name: str
    inn: str
    kpp: str | None = None
    address: str | None = None
    bank: str | None = None
    bik: str | None = None
    correspondent_account: str | None = None
    account: str | None = None


def today(clock: Clock) -> date:
    return clock.now().astimezone(MOSCOW).date()


def day_of(document: Document) -> date:
    """A document's date at Komus; when Komus gave none, the day it was recorded."""
    if document.document_date is not None:
        return document.document_date
    return document.created_at.astimezone(MOSCOW).date()


# -- terms and the poll's bookmark ---------------------------------------------------


def save_terms(db: Database, tenant_id: str, terms: Terms, now: datetime) -> None:
    with db.session() as session:
        account = session.get(FinanceAccount, tenant_id) or FinanceAccount(
            tenant_id=tenant_id
        )
        changed = (account.terms_kind, account.terms_days) != (terms.kind, terms.days)
        account.terms_kind = terms.kind
        account.terms_days = terms.days
        account.paysystem = terms.paysystem
        account.payee = dict(terms.payee)
        account.updated_at = now
        session.add(account)
    if changed:
        log.info(
            "payment_terms_updated", tenant=tenant_id, kind=terms.kind, days=terms.days
        )


def read_terms(session: Session, tenant_id: str) -> Terms | None:
    account = session.get(FinanceAccount, tenant_id)
    if account is None or account.terms_kind is None:
        return None
    return Terms(
        account.terms_kind,
        account.terms_days or 0,
        account.paysystem,
        dict(account.payee or {}),
    )


def payments_bookmark(db: Database, tenant_id: str) -> date | None:
    with db.session() as session:
        account = session.get(FinanceAccount, tenant_id)
        return account.payments_since if account else None


def set_payments_bookmark(db: Database, tenant_id: str, day: date) -> None:
    with db.session() as session:
        account = session.get(FinanceAccount, tenant_id) or FinanceAccount(
            tenant_id=tenant_id
        )
        account.payments_since = day
        session.add(account)


# -- the ledger --------------------------------------------------------------------


def invoices(session: Session, tenant_id: str, on: date) -> list[Invoice]:
    """Every invoice of the tenant, oldest first, with what paid it as of ``on``."""
    terms = read_terms(session, tenant_id)
    rows = session.execute(
        select(Document, Order.number)
        .outerjoin(Order, Order.id == Document.order_id)
        .where(Document.tenant_id == tenant_id, Document.kind == "invoice")
        .order_by(Document.document_date, Document.id)
    ).all()
    paid_by_order: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for order_id, paid in session.execute(
        select(Document.order_id, func.sum(Document.total))
        .where(Document.tenant_id == tenant_id, Document.kind == "payment")
        .group_by(Document.order_id)
    ):
        paid_by_order[order_id] = _amount(paid)
    found = []
    for document, order_number in rows:
        assert document.id is not None
        issued = day_of(document)
        invoice = Invoice(
            document_id=document.id,
            order_id=document.order_id,
            order_number=order_number,
            number=document.number,
            issued_on=issued,
            total=document.total or ZERO,
            vat=document.vat_amount or ZERO,
        )
        # An order's payments pay its invoices in the order they were issued.
        left = paid_by_order[document.order_id]
        invoice.paid = min(left, invoice.total)
        paid_by_order[document.order_id] = left - invoice.paid
        if terms is not None:
            invoice.due_on = terms.due(issued)
            if invoice.outstanding > 0 and on > invoice.due_on:
                invoice.overdue_days = (on - invoice.due_on).days
        found.append(invoice)
    return found


def payments(session: Session, tenant_id: str) -> list[Payment]:
    rows = session.execute(
        select(Document, Order.number)
        .outerjoin(Order, Order.id == Document.order_id)
        .where(Document.tenant_id == tenant_id, Document.kind == "payment")
        .order_by(Document.document_date, Document.id)
    ).all()
    # A payment order tracking saw first names no invoice: it is its order's.
    invoice_numbers = dict(
        session.execute(
            select(Document.order_id, Document.number).where(
                Document.tenant_id == tenant_id, Document.kind == "invoice"
            )
        ).all()
    )
    found = []
    for document, order_number in rows:
        assert document.id is not None
        details = document.details or {}
        invoice = details.get("invoice_number") or invoice_numbers.get(
            document.order_id
        )
        found.append(
            Payment(
                document_id=document.id,
                order_id=document.order_id,
                order_number=order_number,
                number=document.number,
                paid_on=day_of(document),
                amount=document.total or ZERO,
                vat=document.vat_amount or ZERO,
                invoice_number=invoice,
                purpose=details.get("purpose")
                or (f"Оплата по счёту № {invoice}" if invoice else None),
            )
        )
    return found


def balance(session: Session, tenant_id: str, on: date) -> Balance:
    listed = invoices(session, tenant_id, on)
    shipped, paid = (
        _amount(
            session.execute(
                select(func.sum(Document.total)).where(
                    Document.tenant_id == tenant_id, Document.kind == kind
                )
            ).scalar_one()
        )
        for kind in ("upd", "payment")
    )
    overdue = [invoice for invoice in listed if invoice.overdue_days > 0]
    return Balance(
        invoiced=sum((i.total for i in listed), ZERO),
        paid=paid,
        outstanding=sum((i.outstanding for i in listed), ZERO),
        overdue=sum((i.outstanding for i in overdue), ZERO),
        overdue_invoices=len(overdue),
        shipped=shipped,
    )


def tenant_party(session: Session, tenant_id: str) -> Party:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        return Party(tenant_id, "")
    return Party(tenant.legal_name, tenant.inn, tenant.kpp)


def payee_party(terms: Terms | None) -> Party | None:
    """Komus as the payee, from the requisites it sent with the terms."""
    if terms is None or not terms.payee.get("name"):
        return None
    payee = terms.payee
    return Party(
        name=payee["name"],
        inn=payee.get("inn", ""),
        kpp=payee.get("kpp"),
        address=payee.get("address"),
        bank=payee.get("bank"),
        bik=payee.get("bik"),
        correspondent_account=payee.get("correspondentAccount"),
        account=payee.get("account"),
    )


# -- overdue ---------------------------------------------------------------------


def notice_overdue(pipeline: Pipeline, tenant_id: str) -> int:
    """Announce each invoice that has just gone overdue, once; returns how many.

    The notice row and the event are written in one transaction, and the notice is
    unique per invoice: a second node (or a second run) finds it and stays quiet.
    """
    on = today(pipeline.clock)
    with pipeline.db.session() as session:
        late = [i for i in invoices(session, tenant_id, on) if i.overdue_days > 0]
        known = set(
            session.execute(
                select(OverdueNotice.document_id).where(
                    OverdueNotice.tenant_id == tenant_id
                )
            ).scalars()
        )
    announced = 0
    for invoice in late:
        if invoice.document_id in known:
            continue
        try:
            with pipeline.db.session() as session:
                _announce(pipeline, session, tenant_id, invoice)
        except IntegrityError:
            continue  # another node announced it first
        announced += 1
    return announced


def _announce(
    pipeline: Pipeline, session: Session, tenant_id: str, invoice: Invoice
) -> None:
    assert invoice.due_on is not None
    session.add(
        OverdueNotice(
            tenant_id=tenant_id,
            document_id=invoice.document_id,
            due_on=invoice.due_on,
            outstanding=invoice.outstanding,
            noticed_at=pipeline.clock.now(),
        )
    )
    session.flush()
    pipeline.record_event(
        session,
        tenant_id,
        OVERDUE_EVENT,
        {
            "order_id": invoice.order_id,
            "document_id": invoice.document_id,
            "number": invoice.number,
            "date": invoice.issued_on.isoformat(),
            "due": invoice.due_on.isoformat(),
            "days_overdue": invoice.overdue_days,
            "total": str(invoice.total),
            "outstanding": str(invoice.outstanding),
        },
        order_id=invoice.order_id,
        document_id=invoice.document_id,
    )
    log.info(
        "invoice_overdue",
        tenant=tenant_id,
        document_id=invoice.document_id,
        order_id=invoice.order_id,
        due=invoice.due_on.isoformat(),
        outstanding=str(invoice.outstanding),
    )


def _amount(value: Any) -> Decimal:
    """A sum from SQL: kopecks on the wire are already Decimal; None is nothing."""
    if value is None:
        return ZERO
    return Decimal(value).quantize(Decimal("0.01"))
