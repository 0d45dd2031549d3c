"""The e-mail route: who hears about an event now, and whose digest it joins.

Runs inside the event's transaction like every route, so the e-mail deliveries and
digest entries exist exactly when the event does. A price change reaches only the
users whose own threshold it meets.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from gateway.config import Settings
from gateway.notifications.email import compose, notice_for
from gateway.notifications.kinds import PRICE
from gateway.notifications.preferences import Recipient, recipients
from gateway.outbox import DeliveryDraft
from gateway.store.notifications import DigestItem
from gateway.store.tables import Event

CHANNEL = "email"
CONTENT_TYPE = "message/rfc822"


class EmailRoute:
    def __init__(self, settings: Settings):
        self.settings = settings

    def __call__(self, session: Session, event: Event) -> list[DeliveryDraft]:
        if not self.settings.smtp.enabled:
            return []
        people = [
            r
            for r in recipients(session, event.tenant_id, event.type)
            if _wants(r, event)
        ]
        if not people:
            return []
        drafts = []
        notice = None
        for person in people:
            if person.mode == "digest":
                session.add(
                    DigestItem(
                        user_id=person.user_id,
                        event_id=event.id,
                        created_at=event.created_at,
                    )
                )
                continue
            notice = notice or notice_for(session, event, self.settings.notifications)
            drafts.append(
                DeliveryDraft(
                    tenant_id=event.tenant_id,
                    channel=CHANNEL,
                    target=person.email,
                    payload=compose(
                        self.settings.smtp,
                        person.email,
                        notice.subject,
                        [notice],
                        now=event.created_at,
                    ),
                    content_type=CONTENT_TYPE,
                    event_id=event.id,
                    event_type=event.type,
                    order_id=event.order_id,
                    dedupe_key=f"{CHANNEL}:{person.user_id}:{event.id}",
                )
            )
        return drafts


def _wants(person: Recipient, event: Event) -> bool:
    if event.type != PRICE:
        return True
    try:
        percent = abs(Decimal(str((event.data or {}).get("percent"))))
    except (InvalidOperation, ValueError):
        return False
    return percent >= person.threshold
