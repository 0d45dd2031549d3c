"""An endpoint failing five days without a success is disabled and the tenant told."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.crm.connector import CrmConnector
from connectors.crm.sandbox import Subscriber
from gateway.clock import ManualClock
from gateway.config import RetrySchedule, Settings
from gateway.hub import Hub
from gateway.store.tables import Event, WebhookSubscription
from tests.crm.conftest import loopback_resolver
from tests.komus.harness import receive
from tests.support.servers import serve

SVIX = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
STEP = timedelta(hours=6)
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LINE = [{"article": "192678", "quantity": "1", "unit_code": "796"}]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def webhook_hub(
    settings: Settings, clock: ManualClock
) -> Iterator[tuple[Hub, CrmConnector]]:
    settings.outbox.schedules["webhook"] = RetrySchedule(delays=SVIX, jitter=0.2)
    hub = Hub(settings, clock=clock)
    hub.outbox.rng = random.Random(5)
    hub.prepare()
    connector = CrmConnector(resolver=loopback_resolver)
    connector.install(hub)
    yield hub, connector
    assert connector.sender is not None
    connector.sender.close()
    hub.stop()


def _subscribe(
    connector: CrmConnector, url: str, types: list[str]
) -> WebhookSubscription:
    port = url.rsplit(":", 1)[1]
    assert connector.subscriptions is not None
    return connector.subscriptions.create(
        "acme", f"http://hooks.example.com:{port}/hook", types
    )


def _dispatch_due(hub: Hub) -> None:
    for _ in range(100):
        if hub.dispatcher.run_once() == 0:
            return
    raise AssertionError("deliveries kept coming due")


def _stored(hub: Hub, subscription_id: int | None) -> WebhookSubscription:
    with hub.db.session() as session:
        found = session.get(WebhookSubscription, subscription_id)
    assert found is not None
    return found


def test_five_days_of_failures_disable_only_the_endpoint_that_never_succeeded(
    webhook_hub, clock
):
    hub, connector = webhook_hub
    down, flaky, watcher = (Subscriber(clock=clock) for _ in range(3))
    down.failing = flaky.failing = 500
    with (
        serve(down.app) as down_url,
        serve(flaky.app) as flaky_url,
        serve(watcher.app) as watcher_url,
    ):
        always = _subscribe(connector, down_url, ["requisition.received"])
        sometimes = _subscribe(connector, flaky_url, ["requisition.received"])
        told = _subscribe(connector, watcher_url, ["webhook.endpoint_disabled"])
        flaky.secret, watcher.secret = sometimes.secret, told.secret

        disabled_at = None
        for step in range(23):  # five and a half days, a requisition every 6 h
            clock.set(START + step * STEP)
            flaky.failing = None if step == 12 else 500  # one success on day 3
            receive(hub, f"R-{step}", LINE)
            _dispatch_due(hub)
            if disabled_at is None and _stored(hub, always.id).disabled_at:
                disabled_at = clock.now()

    assert disabled_at is not None
    assert timedelta(days=5) <= disabled_at - START < timedelta(days=5) + STEP
    assert "no successful delivery since" in (
        _stored(hub, always.id).disabled_reason or ""
    )
    assert _stored(hub, sometimes.id).disabled_at is None
    assert flaky.verified  # the success that kept it enabled
    with hub.db.session() as session:
        events = (
            session.execute(
                select(Event).where(Event.type == "webhook.endpoint_disabled")
            )
            .scalars()
            .all()
        )
    assert [e.data["subscription_id"] for e in events] == [always.id]
    assert [p["data"]["subscription"]["id"] for p in watcher.verified] == [
        str(always.id)
    ]
