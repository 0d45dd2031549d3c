"""The outbox's pull side: 1C collects with ``query`` and confirms with ``success``.

1C cannot be called; it asks. So every event about a 1C requisition becomes a
delivery on channel ``onec`` with the target ``onec:pull`` and a payload naming the
requisition, queued in the event's own transaction like any other delivery, but
never due for the dispatcher (``next_attempt_at`` is set far ahead). Instead:

* ``query`` claims the tenant's waiting deliveries for its exchange session: they
  go ``in_flight`` with the session as lease owner and a lease that never runs out
  by time. A later ``query`` of the same session skips them (3.1 asks until the
  answer is empty); a ``query`` of another session takes them again, since a
  session that ended without ``success`` may not have stored them;
* ``success`` marks everything its session claimed as delivered, with an attempt
  row saying so.

So a document is sent until 1C confirms it, and never lost: the queue is the
deliveries table, shared by every node.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from connectors.onec.settings import CHANNEL
from gateway.errors import RetryableError
from gateway.outbox import (
    DELIVERED,
    IN_FLIGHT,
    PENDING,
    RETRYING,
    Claimed,
    DeliveryDraft,
)
from gateway.senders import SendResult
from gateway.store.tables import Attempt, Delivery, Event, Order, Requisition

if TYPE_CHECKING:
    from gateway.hub import Hub

log = structlog.get_logger(__name__)

PULL_TARGET = "onec:pull"
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)
QUERY_BATCH = 500
"""Deliveries one ``query`` claims at most; the rest wait for the next one."""

EVENTS = frozenset(
    {
        "requisition.received",
        "requisition.updated",
        "requisition.held",
        "requisition.cancelled",
        "requisition.rejected",
        "requisition.revision_refused",
        "order.submitted",
        "order.status_changed",
        "order.changed",
        "order.line_substituted",
        "invoice.issued",
        "upd.issued",
        "act.issued",
        "payment.received",
        "shipment.dispatched",
    }
)
"""Events 1C hears about. ``order.confirmed`` and ``order.cancelled`` repeat an
``order.status_changed``, and ``requisition.revised`` is followed by the events of
what the revision caused."""


@dataclass(frozen=True)
class Pulled:
    delivery_id: int
    requisition_id: int
    event_type: str | None


class PullRoute:
    """The event route: one pull delivery per event about a 1C requisition."""

    def __init__(self, hub: Hub, tenants: Iterable[str]):
        self.hub = hub
        self.tenants = frozenset(tenants)

    def __call__(self, session: Session, event: Event) -> list[DeliveryDraft]:
        if event.type not in EVENTS or event.tenant_id not in self.tenants:
            return []
        requisition_id = event.requisition_id
        if requisition_id is None and event.order_id is not None:
            order = session.get(Order, event.order_id)
            requisition_id = order.requisition_id if order else None
        if requisition_id is None:
            return []
        requisition = session.get(Requisition, requisition_id)
        if requisition is None or requisition.channel != CHANNEL:
            return []
        body = {"requisition_id": requisition_id, "event": event.type}
        delivery = self.hub.outbox.add(
            session,
            DeliveryDraft(
                tenant_id=event.tenant_id,
                channel=CHANNEL,
                target=PULL_TARGET,
                payload=json.dumps(body).encode(),
                event_id=event.id,
                event_type=event.type,
                order_id=event.order_id,
                dedupe_key=f"onec-pull:{event.id}",
            ),
        )
        if delivery is not None:
            # 1C collects it with mode=query; the dispatcher never sends it.
            delivery.next_attempt_at = FAR_FUTURE
        # Added here rather than returned: the pipeline would queue it due now.
        return []


def wait_for_query(claimed: Claimed) -> SendResult:
    """The sender of channel ``onec``: only an operator's retry makes one due."""
    raise RetryableError(
        "1C collects this with mode=query; it is sent at 1C's next exchange",
        retry_after=24 * 3600,
    )


class PullQueue:
    def __init__(self, hub: Hub):
        self.hub = hub

    def claim(
        self, tenant_id: str, owner: str, limit: int = QUERY_BATCH
    ) -> list[Pulled]:
        """Take what waits for the tenant's 1C, for the session ``owner``."""
        now = self.hub.clock.now()
        waiting = (
            select(Delivery.id)
            .where(
                Delivery.tenant_id == tenant_id,
                Delivery.channel == CHANNEL,
                Delivery.target == PULL_TARGET,
                or_(
                    Delivery.state.in_((PENDING, RETRYING)),  # type: ignore[attr-defined]
                    and_(
                        Delivery.state == IN_FLIGHT,
                        Delivery.lease_owner != owner,
                    ),
                ),
            )
            .order_by(Delivery.id)
            .limit(limit)
        )
        if self.hub.db.is_postgres:
            waiting = waiting.with_for_update(skip_locked=True)
        statement = (
            update(Delivery)
            .where(Delivery.id.in_(waiting.scalar_subquery()))  # type: ignore[union-attr]
            .values(
                state=IN_FLIGHT,
                lease_owner=owner,
                lease_expires_at=FAR_FUTURE,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .returning(Delivery.id, Delivery.payload, Delivery.event_type)
            .execution_options(synchronize_session=False)
        )
        with self.hub.db.session() as session:
            rows = session.execute(statement).all()
        pulled = [
            Pulled(
                row.id, int(json.loads(row.payload)["requisition_id"]), row.event_type
            )
            for row in rows
        ]
        return sorted(pulled, key=lambda p: p.delivery_id)

    def complete(self, tenant_id: str, owner: str) -> int:
        """Mark what ``owner`` claimed as delivered; returns how many."""
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            rows = session.execute(
                update(Delivery)
                .where(
                    Delivery.tenant_id == tenant_id,
                    Delivery.channel == CHANNEL,
                    Delivery.target == PULL_TARGET,
                    Delivery.state == IN_FLIGHT,
                    Delivery.lease_owner == owner,
                )
                .values(
                    state=DELIVERED,
                    delivered_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                    last_error=None,
                    updated_at=now,
                )
                .returning(Delivery.id, Delivery.attempts)
                .execution_options(synchronize_session=False)
            ).all()
            for row in rows:
                session.add(
                    Attempt(
                        delivery_id=row.id,
                        number=row.attempts,
                        worker=owner,
                        outcome="delivered",
                        response_excerpt="1C confirmed it with mode=success",
                        started_at=now,
                        finished_at=now,
                        duration_ms=0,
                    )
                )
        return len(rows)

    def release(self, delivery_ids: list[int]) -> None:
        """Put claimed deliveries back, unsent (their document could not be made)."""
        if not delivery_ids:
            return
        with self.hub.db.session() as session:
            session.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(delivery_ids),  # type: ignore[union-attr]
                    Delivery.state == IN_FLIGHT,
                )
                .values(state=PENDING, lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def waiting(self, tenant_id: str) -> int:
        with self.hub.db.session() as session:
            return len(
                session.execute(
                    select(Delivery.id).where(
                        Delivery.tenant_id == tenant_id,
                        Delivery.channel == CHANNEL,
                        Delivery.target == PULL_TARGET,
                        Delivery.state != DELIVERED,
                    )
                ).all()
            )
