"""The console's order listing: the query behind it, also timed by the benchmark."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from gateway.api.filters import contains, created_between
from gateway.console.listing import Query
from gateway.lifecycle import OrderStatus
from gateway.store.tables import Order, OrderLine, Requisition

SORTS = {
    "created": Order.created_at,
    "total": Order.total,
    "status": Order.status,
    "number": Order.number,
}
STATUSES = tuple(status.value for status in OrderStatus)


def order_query(query: Query, tenant_id: str | None) -> Select[Any]:
    """Orders matching the filters, sorted as asked (newest first by default)."""
    statement = select(Order)
    if tenant_id is not None:
        statement = statement.where(Order.tenant_id == tenant_id)
    date_from = query.day("from", "с даты")
    date_to = query.day("to", "по дату")
    if date_from and date_to and date_from > date_to:
        query.problems.append("начальная дата позже конечной")
    else:
        statement = statement.where(
            *created_between(Order.created_at, date_from, date_to)
        )
    if status := query.choice("status", STATUSES):
        statement = statement.where(Order.status == status)
    if (low := query.amount("min", "сумма от")) is not None:
        statement = statement.where(Order.total >= low)  # type: ignore[operator]
    if (high := query.amount("max", "сумма до")) is not None:
        statement = statement.where(Order.total <= high)  # type: ignore[operator]
    if channel := query.text("channel", 32):
        statement = statement.where(Order.channel == channel)
    if text := query.text("q"):
        statement = statement.where(_mentions(text))
    column: Any = SORTS[query.choice("sort", tuple(SORTS)) or "created"]
    ascending = query.choice("dir", ("asc", "desc")) == "asc"
    order_id: Any = Order.id
    if ascending:
        return statement.order_by(column.asc(), order_id.asc())
    return statement.order_by(column.desc(), order_id.desc())


def _mentions(text: str) -> ColumnElement[bool]:
    requisitions = select(Requisition.id).where(
        or_(contains(Requisition.number, text), contains(Requisition.external_id, text))
    )
    lines = select(OrderLine.order_id).where(
        or_(contains(OrderLine.article, text), contains(OrderLine.name, text))
    )
    requisition_id: Any = Order.requisition_id
    order_id: Any = Order.id
    return or_(
        contains(Order.number, text),
        contains(Order.komus_order_id, text),
        requisition_id.in_(requisitions),
        order_id.in_(lines),
    )
