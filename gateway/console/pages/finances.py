"""Финансы: balance, invoices with due dates, payments, documents to download.

The reconciliation statement is asked for with a period and comes as XLSX or PDF;
a payment request is one link per invoice that still has something to pay.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.api.attachments import download
from gateway.cabinet import payment_requests, reconciliation
from gateway.cabinet.finances import (
    balance,
    invoices,
    payments,
    read_terms,
    today,
)
from gateway.console.access import allowed, console_of
from gateway.console.formats import chosen_format
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.console.tenant_choice import requested_tenant
from gateway.errors import GatewayError, ValidationFailed

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@router.get("/finances")
def finances_page(
    request: Request,
    operator: Operator = Depends(allowed("payments.view")),
) -> Response:
    tenant_id, tenants = requested_tenant(request, operator)
    return _page(request, operator, tenant_id, tenants)


def _page(
    request: Request,
    operator: Operator,
    tenant_id: str,
    tenants: list[str],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    on = today(hub.clock)
    with hub.db.session() as session:
        context = {
            "terms": read_terms(session, tenant_id),
            "balance": balance(session, tenant_id, on),
            "invoices": invoices(session, tenant_id, on),
            "payments": payments(session, tenant_id),
        }
    params = request.query_params
    return render(
        "finances.html",
        {
            "operator": operator,
            "tenant": tenant_id,
            "tenants": tenants,
            "today": on,
            "start": params.get("start") or on.replace(day=1).isoformat(),
            "end": params.get("end") or on.isoformat(),
            "error": error,
            **context,
        },
        status_code=status_code,
    )


@router.get("/finances/reconciliation")
def reconciliation_download(
    request: Request,
    operator: Operator = Depends(allowed("payments.view")),
) -> Response:
    hub = console_of(request).hub
    params = request.query_params
    tenant_id, tenants = requested_tenant(request, operator)
    try:
        start, end = (
            _day(params.get("start"), "начало"),
            _day(params.get("end"), "конец"),
        )
        reconciliation.check_period(start, end)
        kind = chosen_format(params.get("format"), ("xlsx", "pdf"))
    except ValidationFailed as problem:
        return _page(
            request, operator, tenant_id, tenants, error=str(problem), status_code=422
        )
    with hub.db.session() as session:
        found = reconciliation.statement(session, tenant_id, start, end)
    name = f"akt-sverki-{tenant_id}-{start:%Y%m%d}-{end:%Y%m%d}"
    if kind == "pdf":
        return download(
            reconciliation.to_pdf(found, hub.clock.now()), PDF, f"{name}.pdf"
        )
    return download(reconciliation.to_xlsx(found), XLSX, f"{name}.xlsx")


@router.get("/finances/invoices/{document_id}/payment-request")
def payment_request_download(
    request: Request,
    document_id: int,
    operator: Operator = Depends(allowed("payments.view")),
) -> Response:
    hub = console_of(request).hub
    tenant_id, tenants = requested_tenant(request, operator)
    try:
        kind = chosen_format(request.query_params.get("format"), ("pdf", "xlsx"))
    except ValidationFailed as problem:
        return _page(
            request, operator, tenant_id, tenants, error=str(problem), status_code=422
        )
    try:
        with hub.db.session() as session:
            found = payment_requests.payment_request(
                session, tenant_id, document_id, today(hub.clock)
            )
    except GatewayError as problem:
        return _page(
            request, operator, tenant_id, tenants, error=str(problem), status_code=409
        )
    name = f"zayavka-na-oplatu-{found.invoice.number or document_id}"
    if kind == "xlsx":
        return download(payment_requests.to_xlsx(found), XLSX, f"{name}.xlsx")
    return download(payment_requests.to_pdf(found, hub.clock.now()), PDF, f"{name}.pdf")


def _day(text: str | None, what: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise ValidationFailed(
            [f"{what} периода: укажите дату в виде ГГГГ-ММ-ДД, получено {text!r}"]
        ) from None
