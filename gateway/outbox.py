"""Durable deliveries: what the gateway owes other systems, until they have it.

A delivery moves ``pending → in_flight → delivered``; a failed attempt makes it
``retrying`` with ``next_attempt_at`` from the channel's schedule, and when the schedule
is spent it is ``dead`` with its original payload kept for replay.

Workers claim deliveries with a lease. A worker that dies leaves its lease to expire;
the next claim pass counts that as a failed attempt, so a payload that kills its worker
ends dead instead of looping forever.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, func, or_, select, text, update
from sqlmodel import Session

from gateway.clock import Clock, SystemClock
from gateway.config import OutboxSettings
from gateway.errors import FinalError, NotFound, RetryableError
from gateway.retry import delay_before, next_attempt_at
from gateway.store.database import Database
from gateway.store.tables import Attempt, AuditEntry, Delivery

log = structlog.get_logger(__name__)

PENDING, IN_FLIGHT, DELIVERED, RETRYING, DEAD = (
    "pending",
    "in_flight",
    "delivered",
    "retrying",
    "dead",
)
STATES = (PENDING, IN_FLIGHT, DELIVERED, RETRYING, DEAD)
EXCERPT_CHARS = 2000


@dataclass
class DeliveryDraft:
    """What a connector wants sent; a ``Delivery`` row in the caller's transaction."""

    tenant_id: str
    channel: str
    target: str
    payload: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    event_id: int | None = None
    event_type: str | None = None
    order_id: int | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds the lease on."""

    id: int
    tenant_id: str
    channel: str
    target: str
    payload: bytes
    content_type: str
    headers: dict[str, str]
    attempt: int
    max_attempts: int
    event_type: str | None
    lease_owner: str


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Outbox:
    def __init__(
        self,
        db: Database,
        settings: OutboxSettings,
        *,
        clock: Clock | None = None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
    ):
        self.db = db
        self.settings = settings
        self.clock = clock or SystemClock()
        self.worker_id = worker_id or default_worker_id()
        self.rng = rng or random.Random()

    # -- enqueue -------------------------------------------------------------------

    def add(self, session: Session, draft: DeliveryDraft) -> Delivery | None:
        """Queue a delivery in the caller's transaction; None if its key is queued."""
        if draft.dedupe_key is not None:
            existing = session.execute(
                select(Delivery.id).where(Delivery.dedupe_key == draft.dedupe_key)
            ).first()
            if existing is not None:
                return None
        schedule = self.settings.schedule_for(draft.channel)
        now = self.clock.now()
        first_delay = delay_before(1, schedule, self.rng) or 0.0
        delivery = Delivery(
            tenant_id=draft.tenant_id,
            channel=draft.channel,
            target=draft.target,
            payload=draft.payload,
            content_type=draft.content_type,
            headers=dict(draft.headers),
            event_id=draft.event_id,
            event_type=draft.event_type,
            order_id=draft.order_id,
            dedupe_key=draft.dedupe_key,
            max_attempts=len(schedule.delays),
            next_attempt_at=now + timedelta(seconds=first_delay),
            created_at=now,
            updated_at=now,
        )
        session.add(delivery)
        session.flush()
        log.info(
            "delivery_queued",
            delivery_id=delivery.id,
            tenant=draft.tenant_id,
            channel=draft.channel,
            event_type=draft.event_type,
        )
        return delivery

    def enqueue(self, draft: DeliveryDraft) -> Delivery | None:
        with self.db.session() as session:
            return self.add(session, draft)

    # -- claim ---------------------------------------------------------------------

    def reclaim_expired(self) -> int:
        """Turn leases whose worker vanished into failed attempts."""
        now = self.clock.now()
        reclaimed = 0
        with self.db.session() as session:
            if self.db.is_sqlite:
                # The dispatcher and housekeeping both reclaim; SQLite's write lock,
                # taken before the read, keeps them from both turning one lease
                # into an attempt (PostgreSQL skips the rows the other one locked).
                session.execute(text("BEGIN IMMEDIATE"))
            query = (
                select(Delivery)
                .where(Delivery.state == IN_FLIGHT, Delivery.lease_expires_at < now)
                .order_by(Delivery.id)
                .limit(500)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            for delivery in session.execute(query).scalars().all():
                error = (
                    f"lease held by {delivery.lease_owner} expired at "
                    f"{delivery.lease_expires_at:%Y-%m-%d %H:%M:%S}Z; the worker "
                    "died or stalled during the attempt"
                )
                session.add(
                    Attempt(
                        delivery_id=delivery.id,
                        number=delivery.attempts,
                        worker=delivery.lease_owner,
                        outcome="lease_expired",
                        error=error,
                        started_at=delivery.lease_expires_at,
                        finished_at=now,
                    )
                )
                self._schedule_next(delivery, now, error, retry_after=None)
                reclaimed += 1
        if reclaimed:
            log.warning("leases_reclaimed", count=reclaimed)
        return reclaimed

    def claim(self, limit: int | None = None) -> list[Claimed]:
        """Take up to ``limit`` due deliveries under a lease, atomically."""
        now = self.clock.now()
        limit = limit or self.settings.batch_size
        due = (
            select(Delivery.id)
            .where(
                Delivery.state.in_((PENDING, RETRYING)),  # type: ignore[attr-defined]
                Delivery.next_attempt_at <= now,
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        statement = (
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))  # type: ignore[union-attr]
            .values(
                state=IN_FLIGHT,
                lease_owner=self.worker_id,
                lease_expires_at=lease_until,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .returning(Delivery)
            .execution_options(synchronize_session=False)
        )
        with self.db.session() as session:
            rows = session.execute(statement).scalars().all()
            claimed = [
                Claimed(
                    id=row.id,
                    tenant_id=row.tenant_id,
                    channel=row.channel,
                    target=row.target,
                    payload=row.payload,
                    content_type=row.content_type,
                    headers=dict(row.headers or {}),
                    attempt=row.attempts,
                    max_attempts=row.max_attempts,
                    event_type=row.event_type,
                    lease_owner=self.worker_id,
                )
                for row in rows
            ]
        return sorted(claimed, key=lambda c: c.id)

    # -- outcome -------------------------------------------------------------------

    def delivered(
        self,
        claimed: Claimed,
        *,
        started_at: datetime,
        status_code: int | None = None,
        response_excerpt: str = "",
    ) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            session.add(
                Attempt(
                    delivery_id=claimed.id,
                    number=claimed.attempt,
                    worker=self.worker_id,
                    outcome="delivered",
                    status_code=status_code,
                    response_excerpt=response_excerpt[:EXCERPT_CHARS],
                    started_at=started_at,
                    finished_at=now,
                    duration_ms=_milliseconds(started_at, now),
                )
            )
            held = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claimed.id,
                    Delivery.state == IN_FLIGHT,
                    Delivery.lease_owner == claimed.lease_owner,
                )
                .values(
                    state=DELIVERED,
                    delivered_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                    last_error=None,
                    updated_at=now,
                )
            ).rowcount
        if not held:
            # Another worker reclaimed the lease meanwhile; the peer got it twice.
            log.warning("delivered_after_lease_lost", delivery_id=claimed.id)
        log.info(
            "delivery_done",
            delivery_id=claimed.id,
            tenant=claimed.tenant_id,
            channel=claimed.channel,
            attempt=claimed.attempt,
            status_code=status_code,
        )

    def failed(
        self,
        claimed: Claimed,
        error: RetryableError | FinalError,
        *,
        started_at: datetime,
    ) -> str:
        """Record a failed attempt and decide what comes next; returns the new state."""
        now = self.clock.now()
        with self.db.session() as session:
            session.add(
                Attempt(
                    delivery_id=claimed.id,
                    number=claimed.attempt,
                    worker=self.worker_id,
                    outcome="failed",
                    status_code=error.status_code,
                    error=str(error)[:EXCERPT_CHARS],
                    response_excerpt=(error.response_excerpt or "")[:EXCERPT_CHARS],
                    started_at=started_at,
                    finished_at=now,
                    duration_ms=_milliseconds(started_at, now),
                )
            )
            delivery = session.get(
                Delivery, claimed.id, with_for_update=self.db.is_postgres
            )
            if delivery is None or delivery.state != IN_FLIGHT:
                return delivery.state if delivery else DEAD
            if delivery.lease_owner != claimed.lease_owner:
                return delivery.state
            if isinstance(error, FinalError):
                delivery.attempts = max(delivery.attempts, claimed.attempt)
                self._bury(delivery, now, str(error))
            else:
                self._schedule_next(delivery, now, str(error), error.retry_after)
            return delivery.state

    def _schedule_next(
        self, delivery: Delivery, now: datetime, error: str, retry_after: float | None
    ) -> None:
        delivery.lease_owner = None
        delivery.lease_expires_at = None
        delivery.last_error = error[:EXCERPT_CHARS]
        delivery.updated_at = now
        when = None
        if delivery.attempts < delivery.max_attempts:
            schedule = self.settings.schedule_for(delivery.channel)
            when = next_attempt_at(
                now, delivery.attempts, schedule, self.rng, retry_after
            )
        if when is None:
            self._bury(delivery, now, error)
            return
        delivery.state = RETRYING
        delivery.next_attempt_at = when
        log.warning(
            "delivery_retry_scheduled",
            delivery_id=delivery.id,
            tenant=delivery.tenant_id,
            channel=delivery.channel,
            attempt=delivery.attempts,
            next_attempt_at=when.isoformat(),
            error=error[:300],
        )

    def _bury(self, delivery: Delivery, now: datetime, error: str) -> None:
        delivery.state = DEAD
        delivery.lease_owner = None
        delivery.lease_expires_at = None
        delivery.last_error = error[:EXCERPT_CHARS]
        delivery.updated_at = now
        log.error(
            "delivery_dead",
            delivery_id=delivery.id,
            tenant=delivery.tenant_id,
            channel=delivery.channel,
            attempts=delivery.attempts,
            error=error[:300],
            next_step="fix the target, then retry or replay it from the console or API",
        )

    # -- operator actions ----------------------------------------------------------

    def retry(self, delivery_id: int, *, actor: str) -> Delivery:
        """Try a retrying or dead delivery again now, with one more attempt if spent."""
        now = self.clock.now()
        with self.db.session() as session:
            delivery = session.get(
                Delivery, delivery_id, with_for_update=self.db.is_postgres
            )
            if delivery is None:
                raise NotFound(f"delivery {delivery_id} does not exist")
            if delivery.state not in (RETRYING, DEAD, PENDING):
                raise FinalError(
                    f"delivery {delivery_id} is {delivery.state}; only pending, "
                    "retrying or dead deliveries can be retried (replay a delivered "
                    "one instead)"
                )
            delivery.state = PENDING
            delivery.next_attempt_at = now
            delivery.max_attempts = max(delivery.max_attempts, delivery.attempts + 1)
            delivery.updated_at = now
            session.add(_audit(actor, delivery, "delivery.retry", {}))
        log.info("delivery_retry_requested", delivery_id=delivery_id, actor=actor)
        return delivery

    def replay(self, delivery_id: int, *, actor: str) -> Delivery:
        """Send the original payload again as a new delivery with a fresh schedule."""
        with self.db.session() as session:
            original = session.get(Delivery, delivery_id)
            if original is None:
                raise NotFound(f"delivery {delivery_id} does not exist")
            if original.state == IN_FLIGHT:
                raise FinalError(
                    f"delivery {delivery_id} is being sent right now; replay it once "
                    "the attempt has finished"
                )
            copy = self.add(
                session,
                DeliveryDraft(
                    tenant_id=original.tenant_id,
                    channel=original.channel,
                    target=original.target,
                    payload=original.payload,
                    content_type=original.content_type,
                    headers=dict(original.headers or {}),
                    event_id=original.event_id,
                    event_type=original.event_type,
                    order_id=original.order_id,
                ),
            )
            assert copy is not None
            copy.replay_of = original.id
            session.add(
                _audit(actor, original, "delivery.replay", {"replay_id": copy.id})
            )
        log.info(
            "delivery_replayed", delivery_id=delivery_id, replay_id=copy.id, actor=actor
        )
        return copy

    # -- figures -------------------------------------------------------------------

    def depth(self) -> dict[str, Any]:
        """Counts by state and the age of the oldest delivery still waiting."""
        now = self.clock.now()
        with self.db.session() as session:
            counts = dict(
                session.execute(
                    select(Delivery.state, func.count()).group_by(Delivery.state)
                ).all()
            )
            oldest = session.execute(
                select(func.min(Delivery.created_at)).where(
                    or_(
                        Delivery.state.in_((PENDING, RETRYING)),  # type: ignore[attr-defined]
                        and_(Delivery.state == IN_FLIGHT),
                    )
                )
            ).scalar()
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=now.tzinfo)
            age = max(0.0, (now - oldest).total_seconds())
        return {"states": {s: int(counts.get(s, 0)) for s in STATES}, "oldest_age": age}


def _milliseconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)


def _audit(actor: str, delivery: Delivery, action: str, details: dict) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        tenant_id=delivery.tenant_id,
        action=action,
        target=f"delivery:{delivery.id}",
        details=details,
    )
