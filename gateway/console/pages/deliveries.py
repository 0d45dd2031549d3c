"""Deliveries per target: their state, attempts, and retry or replay."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from gateway.console.access import (
    PageMissing,
    Posted,
    allowed,
    console_of,
    posted,
    tenant_row,
)
from gateway.console.listing import Query, fetch_page
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.errors import GatewayError
from gateway.outbox import STATES
from gateway.store.tables import Attempt, Delivery

router = APIRouter()


@router.get("/deliveries")
def delivery_list(
    request: Request, operator: Operator = Depends(allowed("deliveries.view"))
) -> Response:
    query = Query.of(request.query_params)
    mine = (
        [] if operator.tenant_id is None else [Delivery.tenant_id == operator.tenant_id]
    )
    statement = select(Delivery).where(*mine)
    if state := query.choice("state", STATES):
        statement = statement.where(Delivery.state == state)
    if target := query.text("target", 2048):
        statement = statement.where(Delivery.target == target)
    statement = statement.order_by(Delivery.id.desc())  # type: ignore[union-attr]
    with console_of(request).hub.db.session() as session:
        page = fetch_page(session, statement, query.page())
        per_target = session.execute(
            select(Delivery.target, Delivery.state, func.count())
            .where(*mine, Delivery.state != "delivered")
            .group_by(Delivery.target, Delivery.state)
            .order_by(Delivery.target)
        ).all()
    targets: dict[str, dict[str, int]] = {}
    for target_name, state_name, count in per_target:
        targets.setdefault(target_name, {})[state_name] = count
    return render(
        "deliveries.html",
        {
            "operator": operator,
            "page": page,
            "query": query,
            "states": STATES,
            "targets": targets,
        },
    )


def _page(
    request: Request,
    operator: Operator,
    delivery: Delivery,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with console_of(request).hub.db.session() as session:
        attempts = list(
            session.execute(
                select(Attempt)
                .where(Attempt.delivery_id == delivery.id)
                .order_by(Attempt.number, Attempt.id)  # type: ignore[arg-type]
            ).scalars()
        )
    return render(
        "delivery.html",
        {
            "operator": operator,
            "delivery": delivery,
            "attempts": attempts,
            "error": error,
            "note": "Доставка поставлена в очередь."
            if request.query_params.get("note")
            else None,
        },
        status_code=status_code,
    )


@router.get("/deliveries/{delivery_id}")
def delivery_page(
    delivery_id: int,
    request: Request,
    operator: Operator = Depends(allowed("deliveries.view")),
) -> Response:
    return _page(
        request, operator, tenant_row(request, operator, Delivery, delivery_id)
    )


@router.post("/deliveries/{delivery_id}/{action}")
def act(
    delivery_id: int,
    action: str,
    request: Request,
    done: Posted = Depends(posted("deliveries.retry")),
) -> Response:
    """``retry`` sends this delivery again; ``replay`` queues a copy. Both audited."""
    if action not in ("retry", "replay"):
        raise PageMissing()
    delivery = tenant_row(request, done.operator, Delivery, delivery_id)
    outbox = console_of(request).hub.outbox
    try:
        if action == "retry":
            result = outbox.retry(delivery_id, actor=done.operator.actor)
        else:
            result = outbox.replay(delivery_id, actor=done.operator.actor)
    except GatewayError as error:
        return _page(
            request,
            done.operator,
            delivery,
            error=f"Не получилось: {error}",
            status_code=409,
        )
    return RedirectResponse(f"/console/deliveries/{result.id}?note=queued", 303)
