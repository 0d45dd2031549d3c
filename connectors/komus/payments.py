"""Payments and payment terms read from Komus, and overdue invoices announced.

A periodic singleton job. For each tenant with a Komus token it reads the payment
terms (kept for due dates and payment requests), then the payments Komus received
since the bookmark, and records each as a ``payment`` document of its order. The
document key is the one order tracking uses for the same payment
(``<komus order id>/<document id>``), so whichever of the two sees it first records
it and ``payment.received`` goes out once. Last, invoices whose due date has passed
unpaid are announced ``payment.overdue``, once each.

The bookmark is the newest payment day seen, less a day: payments are dated by the
day they arrived, so re-reading that day catches those recorded after the poll.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import structlog
from pydantic import Field
from sqlalchemy import select
from sqlmodel import col

from connectors.komus.client import KomusClient
from connectors.komus.clients import KomusClients
from connectors.komus.errors import KomusTokenRefused
from connectors.komus.models import Amount, KomusModel
from gateway.cabinet.finances import (
    Terms,
    notice_overdue,
    payments_bookmark,
    save_terms,
    set_payments_bookmark,
    today,
)
from gateway.config import TenantSettings
from gateway.errors import GatewayError
from gateway.pipeline import Pipeline
from gateway.progress import record_document
from gateway.store.tables import Order

log = structlog.get_logger(__name__)

PAYMENTS_JOB = "komus-payments"
OVERLAP = timedelta(days=1)


class Paysystem(KomusModel):
    id: int
    name: str = ""


class PaymentTermsInfo(KomusModel):
    paysystem: Paysystem | None = None
    kind: str
    days: int = 0
    payee: dict[str, Any] = Field(default_factory=dict)


class PaymentInfo(KomusModel):
    id: int
    number: str = ""
    paid_on: date = Field(alias="date")
    amount: Amount
    amount_nds: Amount | None = Field(default=None, alias="amountNds")
    order_id: int = Field(alias="orderId")
    order_num: str | None = Field(default=None, alias="orderNum")
    invoice_number: str | None = Field(default=None, alias="invoiceNumber")
    purpose: str | None = None


def payment_terms(client: KomusClient) -> PaymentTermsInfo:
    return PaymentTermsInfo.model_validate(client._call("GET", "/paymentTerms"))


def payments(client: KomusClient, since: date | None) -> list[PaymentInfo]:
    params = {"dateFrom": since.isoformat()} if since else {}
    return list(client._pages("/payments", PaymentInfo, params))


class PaymentPoller:
    def __init__(self, pipeline: Pipeline, clients: KomusClients):
        self.pipeline = pipeline
        self.clients = clients

    def run_once(self) -> int:
        """Poll every tenant; returns how many payments were newly recorded."""
        recorded = 0
        for tenant in self.pipeline.settings.tenants:
            if not self.clients.configured(tenant):
                continue
            try:
                recorded += self.poll(tenant)
            except KomusTokenRefused:
                continue  # logged with what to do where it was raised
            except GatewayError as error:
                log.warning(
                    "komus_payments_poll_failed",
                    tenant=tenant.id,
                    error=str(error),
                    next_step="next poll",
                )
        return recorded

    def poll(self, tenant: TenantSettings) -> int:
        client = self.clients.for_tenant(tenant)
        db = self.pipeline.db
        terms = payment_terms(client)
        save_terms(
            db,
            tenant.id,
            Terms(
                terms.kind,
                terms.days,
                terms.paysystem.name if terms.paysystem else None,
                terms.payee,
            ),
            self.pipeline.clock.now(),
        )

        since = payments_bookmark(db, tenant.id)
        found = payments(client, since)
        orders = self._orders(tenant.id, {p.order_id for p in found})
        recorded = 0
        for payment in found:
            order_id = orders.get(str(payment.order_id))
            if order_id is None:
                log.warning(
                    "komus_payment_for_unknown_order",
                    tenant=tenant.id,
                    komus_order_id=payment.order_id,
                    payment=payment.number,
                    next_step="not recorded: the order was not placed by the gateway",
                )
                continue
            vat = payment.amount_nds
            _, new = record_document(
                self.pipeline,
                order_id,
                kind="payment",
                external_id=f"{payment.order_id}/{payment.id}",
                number=payment.number or None,
                document_date=payment.paid_on,
                net_amount=payment.amount - vat if vat is not None else None,
                vat_amount=vat,
                total=payment.amount,
                details={
                    "komus_order_id": payment.order_id,
                    "invoice_number": payment.invoice_number,
                    "purpose": payment.purpose,
                },
            )
            recorded += new
        if found:
            newest = max(p.paid_on for p in found) - OVERLAP
            if since is None or newest > since:
                set_payments_bookmark(db, tenant.id, newest)
        overdue = notice_overdue(self.pipeline, tenant.id)
        log.info(
            "komus_payments_polled",
            tenant=tenant.id,
            read=len(found),
            recorded=recorded,
            overdue=overdue,
            day=today(self.pipeline.clock).isoformat(),
        )
        return recorded

    def _orders(self, tenant_id: str, komus_ids: set[int]) -> dict[str, int]:
        if not komus_ids:
            return {}
        with self.pipeline.db.session() as session:
            rows = session.execute(
                select(Order.komus_order_id, Order.id).where(
                    Order.tenant_id == tenant_id,
                    col(Order.komus_order_id).in_([str(i) for i in komus_ids]),
                )
            ).all()
        return {str(komus_id): order_id for komus_id, order_id in rows}
