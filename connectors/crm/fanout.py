"""The event route: one delivery per matching subscription, in the event's transaction.

The body is serialised here, once; the sender signs exactly these bytes at send time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlmodel import Session

from connectors.crm.events import payload_for
from connectors.crm.subscriptions import matching
from gateway.outbox import DeliveryDraft
from gateway.store.tables import Event

CHANNEL = "webhook"
SUBSCRIPTION_HEADER = "x-gateway-subscription"
"""Kept with the delivery to find its endpoint; the sender never sends it."""


def webhook_deliveries(session: Session, event: Event) -> Iterable[DeliveryDraft]:
    subscriptions = matching(session, event.tenant_id, event.type)
    if not subscriptions:
        return []
    payload = payload_for(session, event)
    if payload is None:
        return []
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return [
        DeliveryDraft(
            tenant_id=event.tenant_id,
            channel=CHANNEL,
            target=subscription.url,
            payload=body,
            headers={
                "webhook-id": f"msg_{event.id}",
                SUBSCRIPTION_HEADER: str(subscription.id),
            },
            event_id=event.id,
            event_type=event.type,
            order_id=event.order_id,
            dedupe_key=f"webhook:{subscription.id}:{event.id}",
        )
        for subscription in subscriptions
    ]
