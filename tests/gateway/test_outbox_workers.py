"""Worker processes share one PostgreSQL outbox without sending anything twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.config import load_settings
from gateway.hub import Hub
from gateway.outbox import DeliveryDraft
from gateway.store.tables import Attempt, Delivery
from tests.support.config import write_config
from tests.support.processes import start_gateway, stop
from tests.support.receiver import Receiver
from tests.support.servers import serve, wait_until

DELIVERIES = 500


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(delay=0.002)
    with serve(receiver.app) as url:
        yield receiver, f"{url}/hook"


def _log_says(path: Path, event: str) -> bool:
    return path.exists() and event in path.read_text(errors="replace")


def test_two_workers_on_postgres_deliver_500_each_exactly_once(
    tmp_path: Path, postgres_url: str, receiver
):
    peer, target = receiver
    config = write_config(tmp_path, postgres_url)
    hub = Hub(load_settings(config))
    hub.prepare()
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_gateway("worker", config, log) for log in logs]
    try:
        wait_until(lambda: all(_log_says(log, "worker_started") for log in logs), 60)
        with hub.db.session() as session:
            for number in range(DELIVERIES):
                hub.outbox.add(
                    session,
                    DeliveryDraft(
                        tenant_id="acme",
                        channel="http",
                        target=target,
                        payload=f'{{"n": {number}}}'.encode(),
                    ),
                )

        def settled() -> bool:
            with hub.db.session() as session:
                return not session.execute(
                    select(func.count()).where(Delivery.state != "delivered")
                ).scalar()

        wait_until(settled, timeout=180, interval=0.2)
    finally:
        for worker in workers:
            stop(worker)

    assert len(peer.accepted) == DELIVERIES
    assert set(peer.accepted.values()) == {1}
    assert len(peer.requests) == DELIVERIES
    with hub.db.session() as session:
        by_worker = dict(
            session.execute(
                select(Attempt.worker, func.count()).group_by(Attempt.worker)
            ).all()
        )
    assert sum(by_worker.values()) == DELIVERIES
    assert len(by_worker) == 2, f"both workers should have taken work: {by_worker}"
    hub.stop()
