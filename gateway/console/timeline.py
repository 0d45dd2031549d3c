"""An order's story in time: status changes, events and the messages about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from gateway.store.tables import Event, Message, Order, OrderStatusChange

EVENT_TITLES = {
    "requisition.received": "заявка получена",
    "requisition.updated": "заявка изменена",
    "requisition.held": "заявка задержана",
    "requisition.revised": "заявка пересмотрена после заказа",
    "requisition.cancelled": "заявка отозвана",
    "order.submitted": "заказ отправлен в Комус",
    "order.confirmed": "заказ подтверждён",
    "order.status_changed": "статус заказа изменён",
    "order.cancelled": "заказ отменён",
    "requisition.rejected": "заявка отклонена",
    "document.received": "получен документ",
}


@dataclass
class Moment:
    at: datetime
    kind: str  # status, event, message
    title: str
    detail: str | None = None
    message_id: int | None = None


def order_timeline(session: Session, order: Order) -> list[Moment]:
    moments = [
        Moment(
            change.at,
            "status",
            f"статус: {change.to_status}",
            change.reason,
        )
        for change in session.execute(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
        ).scalars()
    ]
    events = session.execute(
        select(Event).where(
            or_(
                Event.order_id == order.id,
                Event.requisition_id == order.requisition_id,
            )
        )
    ).scalars()
    moments += [
        Moment(
            event.created_at,
            "event",
            EVENT_TITLES.get(event.type, event.type),
            event.type,
        )
        for event in events
    ]
    messages = session.execute(
        select(
            Message.id,
            Message.created_at,
            Message.channel,
            Message.direction,
            Message.kind,
            Message.state,
        ).where(
            or_(
                Message.order_id == order.id,
                Message.requisition_id == order.requisition_id,
            )
        )
    )
    moments += [
        Moment(
            row.created_at,
            "message",
            f"{'входящее' if row.direction == 'in' else 'исходящее'} сообщение "
            f"{row.channel}/{row.kind}",
            row.state,
            row.id,
        )
        for row in messages
    ]
    return sorted(moments, key=lambda moment: moment.at)
