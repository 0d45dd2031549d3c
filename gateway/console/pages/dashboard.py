"""The dashboard: orders by status, held requisitions, failing deliveries, exchanges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import Session

from gateway.console.access import allowed, console_of
from gateway.console.charts import Day, orders_chart
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.store.tables import Delivery, Message, Order, Requisition

router = APIRouter()

CHART_DAYS = 30
HELD_SHOWN = 20


@router.get("/")
def dashboard(
    request: Request, operator: Operator = Depends(allowed("dashboard"))
) -> Response:
    hub = console_of(request).hub
    with hub.db.session() as session:
        context = {
            "by_status": _grouped(session, operator, Order, Order.status),
            "held": _held(session, operator),
            "deliveries": _failing(session, operator),
            "exchanges": _exchanges(session, operator),
            "chart": orders_chart(_days(session, operator, hub.clock.now().date())),
        }
    return render("dashboard.html", {"operator": operator, **context})


def _mine(operator: Operator, model: Any) -> list[Any]:
    return [] if operator.tenant_id is None else [model.tenant_id == operator.tenant_id]


def _grouped(
    session: Session, operator: Operator, model: Any, column: Any
) -> list[tuple[str, int]]:
    rows = session.execute(
        select(column, func.count()).where(*_mine(operator, model)).group_by(column)
    ).all()
    return sorted(((str(k), int(n)) for k, n in rows), key=lambda r: -r[1])


def _held(session: Session, operator: Operator) -> list[Requisition]:
    return list(
        session.execute(
            select(Requisition)
            .where(*_mine(operator, Requisition), Requisition.state == "held")
            .order_by(Requisition.updated_at.desc())  # type: ignore[attr-defined]
            .limit(HELD_SHOWN)
        ).scalars()
    )


def _failing(session: Session, operator: Operator) -> list[tuple[str, str, int]]:
    state: Any = Delivery.state
    rows = session.execute(
        select(Delivery.target, Delivery.state, func.count())
        .where(*_mine(operator, Delivery), state.in_(("retrying", "dead")))
        .group_by(Delivery.target, Delivery.state)
        .order_by(Delivery.target)
    ).all()
    return [(t, s, int(n)) for t, s, n in rows]


def _exchanges(session: Session, operator: Operator) -> list[Any]:
    state: Any = Message.state
    return list(
        session.execute(
            select(
                Message.tenant_id,
                Message.channel,
                Message.direction,
                func.max(Message.created_at).label("last"),
            )
            .where(*_mine(operator, Message), state.not_in(("failed",)))
            .group_by(Message.tenant_id, Message.channel, Message.direction)
            .order_by(Message.tenant_id, Message.channel)
        ).all()
    )


def _days(session: Session, operator: Operator, today: date) -> list[Day]:
    start = today - timedelta(days=CHART_DAYS - 1)
    created: Any = Order.created_at
    day = func.date(created)
    since = datetime.combine(start, time.min, UTC)
    rows = session.execute(
        select(day, func.count(), func.sum(Order.total))
        .where(*_mine(operator, Order), created >= since)
        .group_by(day)
    ).all()
    found = {
        (d if isinstance(d, date) else date.fromisoformat(str(d))): (n, total)
        for d, n, total in rows
    }
    days = []
    for offset in range(CHART_DAYS):
        current = start + timedelta(days=offset)
        count, total = found.get(current, (0, None))
        days.append(Day(current, int(count), total or Decimal(0)))
    return days
