"""The CRM inbox: hook bodies kept first, deal events taken once, processed later.

Intake stores the raw body as a message and one row per deal event under a unique
(tenant, kind, event key): a duplicate, however concurrent, finds the key taken.
Processing claims a row under a lease, fetches the deal and its products from the
CRM (see ``deals.py``), refuses to go back in time per deal, asks the stage table
what the stage means and hands an ordered deal to the pipeline as a requisition. A
row whose worker died stays ``working`` until its lease runs out, then is claimed
again; a row that outlives ``MAX_CLAIMS`` leases fails instead of looping. A fetch
the CRM answers with 429 or 5xx waits ``next_attempt_at`` (backoff, or the CRM's
``Retry-After``) before it is tried again.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from connectors.crm.deals import Fetch
from connectors.crm.inbound import DealEvent
from connectors.crm.stages import CANCEL, ORDER, stage_action
from gateway.errors import GatewayError, RetryableError
from gateway.hub import Hub
from gateway.records import SourceRecord
from gateway.store.tables import CrmDeal, CrmHook, CrmInboxEvent, Message

log = structlog.get_logger(__name__)

CHANNEL = "crm"
"""The requisition channel of every CRM; external ids are ``<kind>/<deal id>``."""
HOOK_CHANNEL = "crm-hook"
"""The channel raw hook bodies are logged under."""

PENDING, WORKING, ORDERED, SKIPPED, STALE, FAILED = (
    "pending",
    "working",
    "ordered",
    "skipped",
    "stale",
    "failed",
)

LEASE = timedelta(minutes=5)
"""How long a claimed row is left to its worker before another may take it."""
MAX_CLAIMS = 5
"""Leases a row may outlive; one that keeps killing its worker fails instead."""
FIRST_RETRY_SECONDS = 30.0
LAST_RETRY_SECONDS = 3600.0
"""A CRM API that is down or rate-limits is asked again after 30 s, doubling to 1 h."""


def retry_delay(attempts: int, retry_after: float | None) -> float:
    """Seconds before the next fetch; the CRM's ``Retry-After`` wins when longer."""
    backoff = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LAST_RETRY_SECONDS)
    return max(backoff, retry_after or 0.0)


class Inbox:
    def __init__(self, hub: Hub, fetch: Fetch):
        self.hub = hub
        self.fetch = fetch

    # -- intake --------------------------------------------------------------------

    def keep_body(self, hook: CrmHook, body: bytes, content_type: str) -> int:
        record = SourceRecord(
            tenant_id=hook.tenant_id,
            channel=HOOK_CHANNEL,
            external_id=uuid.uuid4().hex,
            payload=body,
            kind=hook.kind,
            content_type=content_type[:128] or "application/octet-stream",
        )
        return self.hub.pipeline.store_message(record)

    def refuse_body(self, hook: CrmHook, body: bytes, reason: str) -> int:
        record = SourceRecord(
            tenant_id=hook.tenant_id,
            channel=HOOK_CHANNEL,
            external_id="",
            payload=body,
            kind=hook.kind,
        )
        return self.hub.pipeline.keep_refused(record, reason)

    def take(self, hook: CrmHook, message_id: int, events: list[DealEvent]) -> int:
        """Insert the events not seen before; returns how many were new."""
        new = 0
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            for event in events:
                try:
                    with session.begin_nested():
                        session.add(
                            CrmInboxEvent(
                                tenant_id=hook.tenant_id,
                                kind=hook.kind,
                                hook_id=hook.id,
                                message_id=message_id,
                                event_key=event.key[:255],
                                deal_id=event.deal_id[:128],
                                sequence=event.sequence,
                                data=event.data,
                                created_at=now,
                            )
                        )
                    new += 1
                except IntegrityError:
                    log.info(
                        "crm_event_duplicate",
                        tenant=hook.tenant_id,
                        kind=hook.kind,
                        deal_id=event.deal_id,
                    )
            message = session.get(Message, message_id)
            if message is not None:
                message.state = "processed" if events else "ignored"
                message.updated_at = now
        return new

    # -- processing ----------------------------------------------------------------

    def run_once(self, limit: int = 50) -> int:
        now = self.hub.clock.now()
        self._fail_abandoned(now)
        with self.hub.db.session() as session:
            ids = list(
                session.execute(
                    select(CrmInboxEvent.id)
                    .where(_claimable(now))
                    .order_by(CrmInboxEvent.id)
                    .limit(limit)
                ).scalars()
            )
        return sum(1 for row_id in ids if self.process(row_id))

    def _fail_abandoned(self, now: datetime) -> None:
        with self.hub.db.session() as session:
            rows = session.execute(
                select(CrmInboxEvent).where(
                    CrmInboxEvent.state == WORKING,
                    CrmInboxEvent.lease_expires_at < now,
                    CrmInboxEvent.attempts >= MAX_CLAIMS,
                )
            ).scalars()
            for row in rows:
                row.state = FAILED
                row.error = (
                    f"the worker died or stalled {row.attempts} times on this event; "
                    "replay its message once the cause is fixed"
                )
                row.lease_expires_at = None
                row.processed_at = now
                log.error(
                    "crm_event_abandoned",
                    tenant=row.tenant_id,
                    kind=row.kind,
                    deal_id=row.deal_id,
                    inbox_id=row.id,
                    attempts=row.attempts,
                )

    def process(self, row_id: int) -> bool:
        if not self._claim(row_id):
            return False
        with self.hub.db.session() as session:
            row = session.get(CrmInboxEvent, row_id)
            hook = session.get(CrmHook, row.hook_id) if row else None
        assert row is not None and hook is not None
        bound = log.bind(
            tenant=row.tenant_id, kind=row.kind, deal_id=row.deal_id, inbox_id=row_id
        )
        if self._behind(row):
            # Known to be older than what was handled: no need to ask the CRM.
            bound.info("crm_event_stale", sequence=row.sequence)
            self._finish(row_id, STALE, "a newer event of this deal was seen")
            return True
        told = row.data.get("stage") if row.data else None
        if told is not None and self._action(row, str(told)) is None:
            # The event names a stage that orders nothing: no need to ask the CRM.
            self._advance(row, row.sequence, str(told))
            bound.info("crm_stage_ignored", stage=told)
            self._finish(row_id, SKIPPED, f"stage {told!r} orders nothing")
            return True
        try:
            deal = {**self.fetch(hook, row), "sequence": row.sequence}
        except RetryableError as error:
            delay = retry_delay(row.attempts, error.retry_after)
            bound.warning(
                "crm_deal_fetch_retry", error=str(error), retry_in_seconds=delay
            )
            self._finish(row_id, PENDING, str(error), retry_in=delay)
            return False
        except GatewayError as error:
            bound.error("crm_deal_fetch_failed", error=str(error))
            self._finish(row_id, FAILED, str(error))
            return True

        if not self._advance(row, deal["sequence"], deal.get("stage")):
            bound.info("crm_event_stale", sequence=deal["sequence"])
            self._finish(row_id, STALE, "a newer event of this deal was seen")
            return True
        action = self._action(row, deal.get("stage"))
        if action not in (ORDER, CANCEL):
            bound.info("crm_stage_ignored", stage=deal.get("stage"))
            self._finish(row_id, SKIPPED, f"stage {deal.get('stage')!r} orders nothing")
            return True
        intake = self.hub.pipeline.receive(self._record(row, deal, action))
        state = ORDERED if intake.accepted else FAILED
        self._finish(row_id, state, "; ".join(intake.problems) or None)
        bound.info("crm_deal_handed_over", outcome=intake.outcome, action=action)
        return True

    def _action(self, row: CrmInboxEvent, stage: str | None) -> str | None:
        return stage_action(self.hub.mapping_registry, row.tenant_id, row.kind, stage)

    def _claim(self, row_id: int) -> bool:
        """Take the row if it waits or its lease ran out; one claimer wins."""
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            return bool(
                session.execute(
                    update(CrmInboxEvent)
                    .where(CrmInboxEvent.id == row_id, _claimable(now))
                    .values(
                        state=WORKING,
                        lease_expires_at=now + LEASE,
                        attempts=CrmInboxEvent.attempts + 1,
                    )
                ).rowcount
            )

    def _finish(
        self, row_id: int, state: str, error: str | None, retry_in: float = 0.0
    ) -> None:
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            row = session.get(CrmInboxEvent, row_id)
            assert row is not None
            row.state = state
            row.error = error[:2000] if error else None
            row.lease_expires_at = None
            row.next_attempt_at = (
                now + timedelta(seconds=retry_in) if retry_in else None
            )
            row.processed_at = now

    def _behind(self, row: CrmInboxEvent) -> bool:
        with self.hub.db.session() as session:
            deal = session.get(CrmDeal, (row.tenant_id, row.kind, row.deal_id))
        return deal is not None and deal.sequence > row.sequence

    def _advance(self, row: CrmInboxEvent, sequence: int, stage: str | None) -> bool:
        """Move the deal's mark forward to ``sequence``; False when it is older."""
        key = (row.tenant_id, row.kind, row.deal_id)
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            moved = session.execute(
                update(CrmDeal)
                .where(
                    CrmDeal.tenant_id == key[0],
                    CrmDeal.kind == key[1],
                    CrmDeal.deal_id == key[2],
                    CrmDeal.sequence <= sequence,
                )
                .values(sequence=sequence, stage=stage, updated_at=now)
            ).rowcount
            if moved:
                return True
            if session.get(CrmDeal, key) is not None:
                return False
            try:
                with session.begin_nested():
                    session.add(
                        CrmDeal(
                            tenant_id=key[0],
                            kind=key[1],
                            deal_id=key[2],
                            sequence=sequence,
                            stage=stage,
                            updated_at=now,
                        )
                    )
            except IntegrityError:
                return self._advance(row, sequence, stage)
        return True

    def _record(
        self, row: CrmInboxEvent, deal: dict[str, Any], action: str
    ) -> SourceRecord:
        fields = {
            "kind": row.kind,
            "deal_id": row.deal_id,
            "number": _text(deal.get("number")) or row.deal_id,
            "title": deal.get("title"),
            "stage": deal.get("stage"),
            "currency": deal.get("currency"),
            "cancelled": action == CANCEL,
        }
        lines = deal.get("lines") or []
        external_id = f"{row.kind}/{row.deal_id}"
        revision = str(deal["sequence"])
        body = {
            "external_id": external_id,
            "revision": revision,
            "fields": fields,
            "lines": lines,
        }
        payload = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
        return SourceRecord(
            tenant_id=row.tenant_id,
            channel=CHANNEL,
            external_id=external_id,
            revision=revision,
            payload=payload,
            fields=fields,
            lines=lines,
        )


def read_deal_record(message: Message) -> list[SourceRecord]:
    """A stored deal record back into a record, for replay."""
    body = json.loads(message.payload)
    return [
        SourceRecord(
            tenant_id=message.tenant_id,
            channel=CHANNEL,
            external_id=body["external_id"],
            revision=body["revision"],
            payload=message.payload,
            fields=body["fields"],
            lines=body["lines"],
        )
    ]


def _claimable(now: datetime) -> Any:
    return or_(
        and_(
            CrmInboxEvent.state == PENDING,
            or_(
                CrmInboxEvent.next_attempt_at.is_(None),  # type: ignore[union-attr]
                CrmInboxEvent.next_attempt_at <= now,
            ),
        ),
        and_(CrmInboxEvent.state == WORKING, CrmInboxEvent.lease_expires_at < now),
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
