"""Signed webhooks through the outbox: Svix's schedule, dead letters, recover, 410."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jsonschema
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from connectors.crm.connector import CrmConnector
from gateway.api.app import create_app
from gateway.clock import ManualClock
from gateway.config import RetrySchedule, Settings
from gateway.hub import Hub
from gateway.store.tables import Delivery, Event, WebhookSubscription
from tests.crm.conftest import ADMIN, loopback_resolver
from tests.komus.harness import receive
from tests.support.receiver import Receiver, Reply
from tests.support.servers import serve

SVIX = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "events"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def webhook_hub(
    settings: Settings, clock: ManualClock
) -> Iterator[tuple[Hub, CrmConnector]]:
    settings.outbox.schedules["webhook"] = RetrySchedule(delays=SVIX, jitter=0.2)
    hub = Hub(settings, clock=clock)
    hub.outbox.rng = random.Random(11)
    hub.prepare()
    connector = CrmConnector(resolver=loopback_resolver)
    connector.install(hub)
    yield hub, connector
    assert connector.sender is not None
    connector.sender.close()
    hub.stop()


def _subscribe(connector: CrmConnector, url: str) -> WebhookSubscription:
    port = url.rsplit(":", 1)[1]
    assert connector.subscriptions is not None
    return connector.subscriptions.create(
        "acme", f"http://hooks.example.com:{port}/hook", []
    )


def _deliveries(hub: Hub) -> list[Delivery]:
    with hub.db.session() as session:
        return list(session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def test_failing_subscriber_gets_svix_schedule_then_dead_then_recover(
    webhook_hub, clock
):
    hub, connector = webhook_hub
    peer = Receiver()
    peer.default = Reply(status=500, body="down")
    with serve(peer.app) as url, serve(create_app(hub)) as api:
        subscription = _subscribe(connector, url)
        receive(
            hub, "R-1", [{"article": "192678", "quantity": "1", "unit_code": "796"}]
        )
        (delivery,) = _deliveries(hub)

        waits = []
        for _ in SVIX:
            assert hub.dispatcher.run_once() == 1
            delivery = _deliveries(hub)[0]
            if delivery.state == "dead":
                break
            waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
            clock.set(delivery.next_attempt_at)

        peer.default = Reply(status=200)
        answer = httpx.post(
            f"{api}/api/v1/webhooks/subscriptions/{subscription.id}/recover",
            headers=ADMIN,
            json={"since": _since(delivery)},
        )
        hub.dispatcher.run_once()

    assert delivery.state == "dead" and delivery.attempts == len(SVIX)
    for planned, actual in zip(SVIX[1:], waits, strict=True):
        assert planned * 0.8 <= actual <= planned * 1.2
    assert answer.status_code == 200, answer.text
    assert answer.json()["retried"] == [delivery.id]
    assert _deliveries(hub)[0].state == "delivered"
    assert len(peer.requests) == len(SVIX) + 1


def _since(delivery: Delivery) -> str:
    created = delivery.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.isoformat()


def test_gone_subscriber_disables_the_endpoint(webhook_hub):
    hub, connector = webhook_hub
    peer = Receiver()
    peer.default = Reply(status=410, body="gone")
    with serve(peer.app) as url:
        subscription = _subscribe(connector, url)
        receive(
            hub, "R-2", [{"article": "192678", "quantity": "1", "unit_code": "796"}]
        )

        hub.dispatcher.run_once()

    with hub.db.session() as session:
        stored = session.get(WebhookSubscription, subscription.id)
        told = (
            session.execute(
                select(Event).where(Event.type == "webhook.endpoint_disabled")
            )
            .scalars()
            .all()
        )
    assert stored is not None and stored.disabled_at is not None
    assert "410" in (stored.disabled_reason or "")
    assert _deliveries(hub)[0].state == "dead"
    assert len(told) == 1


class Subscriber:
    """Verifies each delivery with the standardwebhooks library, as a client would."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.verified: list[dict] = []
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except Exception as exc:
            return PlainTextResponse(f"bad signature: {exc}", 401)
        self.verified.append(payload)
        return PlainTextResponse("ok")


def test_subscriber_verifies_signature_and_payload_matches_its_schema(webhook_hub):
    hub, connector = webhook_hub
    subscriber = Subscriber()
    with serve(subscriber.app) as url:
        subscription = _subscribe(connector, url)
        subscriber.secret = subscription.secret
        receive(
            hub, "R-3", [{"article": "192678", "quantity": "1", "unit_code": "796"}]
        )
        receive(
            hub, "R-4", [{"article": "192678", "quantity": "0", "unit_code": "796"}]
        )

        hub.dispatcher.run_once()

    assert [d.state for d in _deliveries(hub)] == ["delivered", "delivered"]
    assert {p["type"] for p in subscriber.verified} == {
        "requisition.received",
        "requisition.held",
    }
    for payload in subscriber.verified:
        schema = json.loads((SCHEMAS / f"{payload['type']}.json").read_text())
        jsonschema.validate(payload, schema)


def test_rotated_secret_old_and_new_both_verify(webhook_hub):
    hub, connector = webhook_hub
    subscriber = Subscriber()
    with serve(subscriber.app) as url:
        subscription = _subscribe(connector, url)
        old = subscription.secret
        assert connector.subscriptions is not None
        new = connector.subscriptions.rotate(subscription.id).secret
        subscriber.secret = old
        receive(
            hub, "R-5", [{"article": "192678", "quantity": "1", "unit_code": "796"}]
        )
        hub.dispatcher.run_once()
        subscriber.secret = new
        receive(
            hub, "R-6", [{"article": "192678", "quantity": "1", "unit_code": "796"}]
        )
        hub.dispatcher.run_once()

    assert len(subscriber.verified) == 2
