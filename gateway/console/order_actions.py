"""What a manager does to an order: repeat it as a new requisition, or cancel it."""

from __future__ import annotations

import json
import secrets
from typing import Any

import structlog
from sqlalchemy import select

from gateway.console.audit import audit
from gateway.console.sessions import Operator
from gateway.hub import Hub
from gateway.lifecycle import TRANSITIONS, OrderStatus
from gateway.pipeline import Intake
from gateway.plain import record_from_json
from gateway.store.tables import Event, Order, OrderLine

log = structlog.get_logger(__name__)

CHANNEL = "console"


def repeat_order(hub: Hub, operator: Operator, order: Order) -> Intake:
    """The order's lines as a new requisition on the ``console`` channel.

    It takes the same path as any requisition (mapping, validation, submission), under
    an external id of its own, so it can never be mistaken for the original.
    """
    with hub.db.session() as session:
        lines = list(
            session.execute(
                select(OrderLine)
                .where(OrderLine.order_id == order.id)
                .order_by(OrderLine.line_no)
            ).scalars()
        )
    external_id = f"repeat-{order.id}-{secrets.token_hex(4)}"
    body: dict[str, Any] = {
        "external_id": external_id,
        "number": external_id,
        "comment": f"Повтор заказа {order.number or order.id}",
        "delivery_address_code": order.delivery_address_code,
        "lines": [
            {
                "line_no": line.line_no,
                "article": line.article,
                "client_item_code": line.client_item_code,
                "client_item_name": line.name,
                "quantity": str(line.quantity_ordered),
                "unit_code": line.unit_code,
            }
            for line in lines
        ],
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    intake = hub.pipeline.receive(record_from_json(order.tenant_id, CHANNEL, body, raw))
    with hub.db.session() as session:
        audit(
            session,
            hub.clock,
            operator.actor,
            "order.repeat",
            f"order:{order.id}",
            tenant_id=order.tenant_id,
            details={
                "external_id": external_id,
                "message_id": intake.message_id,
                "requisition_id": intake.requisition_id,
                "outcome": intake.outcome,
            },
        )
    log.info(
        "console_order_repeated",
        order_id=order.id,
        requisition_id=intake.requisition_id,
        actor=operator.actor,
    )
    return intake


def cancellable(order: Order) -> bool:
    """Komus takes a cancel until the order ships; the lifecycle says the same."""
    try:
        status = OrderStatus(order.status)
    except ValueError:
        return False
    return OrderStatus.CANCELLED in TRANSITIONS.get(status, frozenset())


def request_cancel(hub: Hub, operator: Operator, order: Order) -> bool:
    """Announce the requisition as withdrawn; False when a cancel is already asked.

    The event goes through the pipeline's routes: the Komus connector turns it into
    a durable cancel delivery, and the order turns cancelled at the next poll.
    """
    revision = f"console-cancel-{hub.clock.now():%Y%m%d%H%M%S}"
    with hub.db.session() as session:
        earlier = session.execute(
            select(Event.data).where(
                Event.requisition_id == order.requisition_id,
                Event.type == "requisition.revised",
            )
        ).scalars()
        if any(data.get("cancel") for data in earlier):
            return False
        hub.pipeline.record_event(
            session,
            order.tenant_id,
            "requisition.revised",
            {"cancel": True, "revision": revision, "by": operator.actor},
            requisition_id=order.requisition_id,
            order_id=order.id,
        )
        audit(
            session,
            hub.clock,
            operator.actor,
            "order.cancel",
            f"order:{order.id}",
            tenant_id=order.tenant_id,
            details={"komus_order_id": order.komus_order_id},
        )
    log.info("console_order_cancel_requested", order_id=order.id, actor=operator.actor)
    return True
