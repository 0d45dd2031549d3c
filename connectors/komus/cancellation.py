"""A requisition cancelled after it was ordered cancels its Komus order, durably.

The pipeline announces the cancelled revision as ``requisition.revised``; the route
below turns it into a delivery on the ``komus`` channel, so the cancel is retried on
the outbox's schedule and ends as a dead letter an operator sees when Komus refuses
it (an order that has shipped cannot be cancelled). The order's status follows at
the next poll, when Komus reports it cancelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import structlog
from sqlalchemy import select
from sqlmodel import Session

from connectors.komus.clients import KomusClients
from connectors.komus.errors import KomusTokenRefused
from gateway.config import Settings
from gateway.errors import FinalError, RetryableError
from gateway.outbox import Claimed, DeliveryDraft
from gateway.senders import SendResult
from gateway.store.tables import Event, Order

log = structlog.get_logger(__name__)

CHANNEL = "komus"
TARGET = "komus:cancel-order"


def cancellations(session: Session, event: Event) -> Iterable[DeliveryDraft]:
    """The event route: a cancelled revision of an ordered requisition."""
    if event.type != "requisition.revised" or not event.data.get("cancel"):
        return []
    order = session.execute(
        select(Order).where(Order.requisition_id == event.requisition_id)
    ).scalar_one_or_none()
    if order is None or not order.komus_order_id:
        return []
    body = {
        "order_id": order.id,
        "komus_order_id": order.komus_order_id,
        "reason": f"Заявка отозвана (ревизия {event.data.get('revision')})",
    }
    return [
        DeliveryDraft(
            tenant_id=order.tenant_id,
            channel=CHANNEL,
            target=TARGET,
            payload=json.dumps(body, ensure_ascii=False).encode(),
            event_id=event.id,
            event_type=event.type,
            order_id=order.id,
            dedupe_key=f"komus-cancel:{order.id}",
        )
    ]


class CancelSender:
    """Sends a queued cancel to Komus; repeating one is harmless there."""

    def __init__(self, settings: Settings, clients: KomusClients):
        self.settings = settings
        self.clients = clients

    def __call__(self, claimed: Claimed) -> SendResult:
        body = json.loads(claimed.payload)
        tenant = self.settings.tenant(claimed.tenant_id)
        if tenant is None:
            raise FinalError(f"tenant {claimed.tenant_id!r} is no longer configured")
        client = self.clients.for_tenant(tenant)
        try:
            order = client.cancel_order(body["komus_order_id"], body.get("reason"))
        except KomusTokenRefused as refused:
            raise RetryableError(str(refused)) from refused
        log.info(
            "komus_order_cancel_sent",
            tenant=tenant.id,
            order_id=body["order_id"],
            komus_order_id=order.id,
            status=order.status.code,
        )
        return SendResult(200, f"Komus order {order.id} is {order.status.code}")
