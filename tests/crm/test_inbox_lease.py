"""Inbox rows left ``working`` by a crashed worker are taken again after the lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from connectors.crm.amocrm import AmoCrm
from connectors.crm.connector import CrmConnector
from connectors.crm.hooks import HookStore
from connectors.crm.inbound import HookRequest
from connectors.crm.inbox import LEASE, MAX_CLAIMS, Inbox
from gateway.clock import ManualClock
from gateway.config import Settings
from gateway.errors import RetryableError
from gateway.hub import Hub
from gateway.store.tables import CrmHook, CrmInboxEvent
from gateway.vault import Vault
from tests.crm.conftest import loopback_resolver
from tests.crm.forms import amocrm_status_body
from tests.crm.ordering import write_crm_mappings


class WorkerKilled(BaseException):
    """Stands for the process dying in the middle of a fetch."""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def leased_hub(settings: Settings, clock: ManualClock) -> Iterator[Hub]:
    write_crm_mappings(settings, [])
    hub = Hub(settings, clock=clock)
    hub.prepare()
    CrmConnector(resolver=loopback_resolver).install(hub)
    yield hub
    hub.stop()


def _taken_event(hub: Hub) -> tuple[CrmHook, int]:
    """An amoCRM lead moved to the ordering status, taken into the inbox."""
    hooks = HookStore(hub.db, hub.clock, Vault.from_env())
    hook = hooks.get(hooks.create("acme", "amocrm", "amo", {}).id)
    body = amocrm_status_body(142, 10216994, 1456820780)
    request = HookRequest("POST", "http://x/", {}, body, {}, hub.clock.now())
    events = AmoCrm().read(request)
    inbox = Inbox(hub, _fetch_nothing)
    inbox.take(
        hook, inbox.keep_body(hook, body, "application/x-www-form-urlencoded"), events
    )
    with hub.db.session() as session:
        (row,) = session.exec(select(CrmInboxEvent)).all()
    assert row.id is not None
    return hook, row.id


def _fetch_nothing(hook: CrmHook, row: CrmInboxEvent) -> dict[str, Any]:
    return {"stage": "10216994", "title": "moved back", "lines": []}


def _crash(hook: CrmHook, row: CrmInboxEvent) -> dict[str, Any]:
    raise WorkerKilled


def _row(hub: Hub, row_id: int) -> CrmInboxEvent:
    with hub.db.session() as session:
        found = session.get(CrmInboxEvent, row_id)
    assert found is not None
    return found


def test_row_of_a_crashed_worker_is_taken_again_after_the_lease(leased_hub, clock):
    _, row_id = _taken_event(leased_hub)
    with pytest.raises(WorkerKilled):
        Inbox(leased_hub, _crash).run_once()
    survivor = Inbox(leased_hub, _fetch_nothing)

    within_lease = survivor.run_once()
    clock.advance(LEASE.total_seconds() + 1)
    after_lease = survivor.run_once()

    assert within_lease == 0
    assert after_lease == 1
    row = _row(leased_hub, row_id)
    assert row.state == "skipped" and row.attempts == 2
    assert row.lease_expires_at is None


def test_row_that_keeps_killing_its_worker_fails_with_the_reason(leased_hub, clock):
    _, row_id = _taken_event(leased_hub)
    for _ in range(MAX_CLAIMS):
        with pytest.raises(WorkerKilled):
            Inbox(leased_hub, _crash).run_once()
        clock.advance(LEASE.total_seconds() + 1)

    left = Inbox(leased_hub, _fetch_nothing).run_once()

    row = _row(leased_hub, row_id)
    assert left == 0
    assert row.state == "failed"
    assert f"died or stalled {MAX_CLAIMS} times" in (row.error or "")


def test_crm_fault_waits_for_its_backoff_before_the_next_fetch(leased_hub, clock):
    _, row_id = _taken_event(leased_hub)
    fetches = []

    def rate_limited(hook: CrmHook, row: CrmInboxEvent) -> dict[str, Any]:
        fetches.append(clock.now())
        if len(fetches) == 1:
            raise RetryableError(
                "amoCRM lead: HTTP 429", retry_after=90, status_code=429
            )
        return _fetch_nothing(hook, row)

    inbox = Inbox(leased_hub, rate_limited)
    inbox.run_once()
    waiting = _row(leased_hub, row_id)
    too_early = inbox.run_once()
    clock.advance(90)
    inbox.run_once()

    assert waiting.state == "pending" and "429" in (waiting.error or "")
    assert too_early == 0
    assert (fetches[1] - fetches[0]).total_seconds() == 90
    assert _row(leased_hub, row_id).state == "skipped"
