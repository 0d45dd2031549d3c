"""A gateway killed mid-delivery finishes the delivery after restart, exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import load_settings
from gateway.hub import Hub
from gateway.outbox import DeliveryDraft
from gateway.store.tables import Attempt, Delivery
from tests.support.config import write_config
from tests.support.processes import start_gateway, stop
from tests.support.receiver import Receiver
from tests.support.servers import free_port, serve, wait_for_http, wait_until


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serve(receiver.app) as url:
        yield receiver, f"{url}/hook"


def test_sigkill_during_delivery_then_restart_delivers_exactly_once(
    tmp_path: Path, sqlite_url: str, receiver
):
    peer, target = receiver
    config = write_config(tmp_path, sqlite_url, lease_seconds=3)
    hub = Hub(load_settings(config))
    hub.prepare()
    delivery = hub.outbox.enqueue(
        DeliveryDraft(
            tenant_id="acme",
            channel="http",
            target=target,
            payload=b'{"type": "order.confirmed", "order": 17}',
        )
    )
    assert delivery is not None
    peer.hang.set()
    port = free_port()
    first = start_gateway("serve", config, tmp_path / "first.log", "--port", str(port))

    wait_until(lambda: peer.in_flight == 1, timeout=60)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    wait_until(lambda: peer.abandoned, timeout=10)
    peer.hang.clear()

    with hub.db.session() as session:
        assert session.get(Delivery, delivery.id).state == "in_flight"
    second = start_gateway(
        "serve", config, tmp_path / "second.log", "--port", str(port)
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/live")

        def delivered() -> bool:
            with hub.db.session() as session:
                return session.get(Delivery, delivery.id).state == "delivered"

        wait_until(delivered, timeout=60)
    finally:
        stop(second)

    assert peer.accepted == {f"delivery-{delivery.id}": 1}
    assert [key for key, _ in peer.requests] == [f"delivery-{delivery.id}"] * 2
    with hub.db.session() as session:
        attempts = (
            session.execute(
                select(Attempt)
                .where(Attempt.delivery_id == delivery.id)
                .order_by(Attempt.id)
            )
            .scalars()
            .all()
        )
        final = session.get(Delivery, delivery.id)
    assert [a.outcome for a in attempts] == ["lease_expired", "delivered"]
    assert final.attempts == 2
    hub.stop()
