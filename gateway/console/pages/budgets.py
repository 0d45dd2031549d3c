"""Бюджеты: each cost centre's month with spent, committed and remaining; admins
also keep cost centres, budgets and the approval rule here."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.cabinet import approvals, budgets
from gateway.cabinet.errors import OrderingRefused
from gateway.console.access import Posted, allowed, console_of, posted
from gateway.console.rendering import render
from gateway.console.roles import ROLES, allows
from gateway.console.sessions import Operator
from gateway.console.shopping import actor_of, attempt, back, shown_on
from gateway.console.tenant_choice import switchable, tenant_of

router = APIRouter()

NOTES = {
    "center": "Место возникновения затрат сохранено.",
    "budget": "Бюджет сохранён.",
    "rule": "Правило согласования сохранено.",
}


def _page(
    request: Request,
    operator: Operator,
    *,
    tenant_name: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    tenant = tenant_of(request, operator, tenant_name)
    month = request.query_params.get("month", "")
    try:
        month = budgets.parse_month(month) if month else None
    except OrderingRefused as refused:
        error, status_code, month = refused.reasons[0], 422, None
    month = month or budgets.month_of(hub.clock.now())
    return render(
        "budgets.html",
        {
            "operator": operator,
            "tenant": tenant,
            "tenants": switchable(hub, operator),
            "month": month,
            "states": budgets.states(hub, tenant.id, month),
            "rule": approvals.rule(hub, tenant.id),
            "approver_roles": [r for r in ROLES if allows(r, approvals.PERMISSION)],
            "error": error,
            "note": NOTES.get(request.query_params.get("note", "")),
        },
        status_code=status_code,
    )


@router.get("/budgets")
def budgets_page(
    request: Request, operator: Operator = Depends(allowed("budgets.view"))
) -> Response:
    return _page(request, operator)


def _change(request: Request, done: Posted, action, note: str) -> Response:  # noqa: ANN001
    tenant = tenant_of(request, done.operator, done.form.get("tenant"))
    refused = attempt(
        lambda: action(tenant.id),
        shown_on(_page, request, done.operator, tenant),
    )
    month = str(done.form.get("month") or "")
    return refused or back(
        "/console/budgets", tenant, note=note, **({"month": month} if month else {})
    )


@router.post("/budgets/cost-centers")
def save_cost_center(
    request: Request, done: Posted = Depends(posted("budgets.manage"))
) -> Response:
    hub, form = console_of(request).hub, done.form
    return _change(
        request,
        done,
        lambda tenant: budgets.save_cost_center(
            hub, tenant, actor_of(done.operator), form.get("code"), form.get("name")
        ),
        "center",
    )


@router.post("/budgets/amounts")
def set_budget(
    request: Request, done: Posted = Depends(posted("budgets.manage"))
) -> Response:
    hub, form = console_of(request).hub, done.form
    return _change(
        request,
        done,
        lambda tenant: budgets.set_budget(
            hub,
            tenant,
            actor_of(done.operator),
            form.get("cost_center"),
            form.get("month"),
            form.get("amount"),
        ),
        "budget",
    )


@router.post("/budgets/rule")
def save_rule(
    request: Request, done: Posted = Depends(posted("budgets.manage"))
) -> Response:
    hub, form = console_of(request).hub, done.form
    approver = str(form.get("approver") or "")
    return _change(
        request,
        done,
        lambda tenant: approvals.save_rule(
            hub,
            tenant,
            actor_of(done.operator),
            order_limit=form.get("order_limit"),
            over_budget=form.get("over_budget") == "on",
            approver_role=approver if approver in ROLES else None,
            approver_login=form.get("approver_login") or None,
        ),
        "rule",
    )
