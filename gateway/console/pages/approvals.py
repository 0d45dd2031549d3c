"""Согласование: catalog orders held for approval, approved or rejected here."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gateway.cabinet import approvals
from gateway.console.access import Posted, allowed, console_of, posted
from gateway.console.rendering import money, render
from gateway.console.sessions import Operator
from gateway.console.shopping import actor_of, attempt

router = APIRouter()

ABOVE_LIMIT = re.compile(r"^the total (\S+) RUB is above the limit (\S+)$")
OVER_BUDGET = re.compile(
    r"^the total (\S+) RUB exceeds the (\S+) RUB left in the (\S+) budget of "
    r"cost centre (.+)$"
)

STATES = {"pending": "ждут решения", "approved": "согласованы", "rejected": "отклонены"}
NOTES = {
    "approved": "Заказ согласован и передаётся в Комус.",
    "rejected": "Заказ отклонён.",
}


def _page(
    request: Request,
    operator: Operator,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    state = request.query_params.get("state", "pending")
    state = state if state in STATES or state == "" else "pending"
    actor = actor_of(operator)
    rows = approvals.listing(hub, operator.tenant_id, state or None)
    return render(
        "approvals.html",
        {
            "operator": operator,
            "rows": [
                (a, r, approvals.may_decide(a, actor), causes_in_russian(a.causes))
                for a, r in rows
            ],
            "state": state,
            "states": STATES,
            "error": error,
            "note": NOTES.get(request.query_params.get("note", "")),
        },
        status_code=status_code,
    )


def causes_in_russian(causes: list[str]) -> list[str]:
    """The hold's causes as the console says them; an unknown one as it is."""
    said = []
    for cause in causes:
        if found := ABOVE_LIMIT.match(cause):
            total, limit = (Decimal(x) for x in found.groups())
            said.append(f"сумма {money(total)} выше лимита {money(limit)}")
        elif found := OVER_BUDGET.match(cause):
            total, left = Decimal(found[1]), Decimal(found[2])
            said.append(
                f"сумма {money(total)} больше остатка бюджета МВЗ {found[4]} "
                f"за {found[3]} ({money(left)})"
            )
        else:
            said.append(cause)
    return said


@router.get("/approvals")
def approvals_page(
    request: Request, operator: Operator = Depends(allowed("orders.approve"))
) -> Response:
    return _page(request, operator)


@router.post("/approvals/{approval_id}/approve")
def approve(
    approval_id: int,
    request: Request,
    done: Posted = Depends(posted("orders.approve")),
) -> Response:
    return _decide(request, done, approvals.approve, approval_id, "approved")


@router.post("/approvals/{approval_id}/reject")
def reject(
    approval_id: int,
    request: Request,
    done: Posted = Depends(posted("orders.approve")),
) -> Response:
    return _decide(request, done, approvals.reject, approval_id, "rejected")


def _decide(
    request: Request,
    done: Posted,
    decision: Callable[..., Any],
    approval_id: int,
    note: str,
) -> Response:
    """Approve or reject; a refusal shows the list again with the reason."""
    hub = console_of(request).hub
    refused = attempt(
        lambda: decision(
            hub, approval_id, actor_of(done.operator), done.form.get("note")
        ),
        lambda error, status: _page(
            request, done.operator, error=error, status_code=status
        ),
    )
    return refused or RedirectResponse(f"/console/approvals?note={note}", 303)
