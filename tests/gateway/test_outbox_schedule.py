"""Retry schedule, dead letters and replay, with a clock the test moves."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.clock import ManualClock
from gateway.config import OutboxSettings, RetrySchedule
from gateway.dispatcher import Dispatcher
from gateway.outbox import DeliveryDraft, Outbox
from gateway.senders import HttpSender
from gateway.store.database import Database
from gateway.store.tables import Attempt, Delivery, Tenant
from tests.support.receiver import Receiver, Reply
from tests.support.servers import serve

SVIX_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serve(receiver.app) as url:
        yield receiver, f"{url}/hook"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.migrate()
    with db.session() as session:
        session.add(Tenant(id="acme", legal_name="ООО Акме", inn="7707083893"))
    yield db
    db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def outbox(db: Database, clock: ManualClock) -> Outbox:
    settings = OutboxSettings(
        lease_seconds=60,
        schedules={"default": RetrySchedule(delays=SVIX_SCHEDULE, jitter=0.2)},
        allow_private_targets=["127.0.0.0/8"],
    )
    return Outbox(
        db, settings, clock=clock, worker_id="test-worker", rng=random.Random(7)
    )


@pytest.fixture
def dispatcher(outbox: Outbox) -> Iterator[Dispatcher]:
    sender = HttpSender(timeout=5, allowed_private=["127.0.0.0/8"])
    dispatcher = Dispatcher(outbox, {}, sender, concurrency=2)
    yield dispatcher
    dispatcher.close()
    sender.close()


def _queue(outbox: Outbox, target: str, payload: bytes = b'{"n": 1}') -> int:
    delivery = outbox.enqueue(
        DeliveryDraft(tenant_id="acme", channel="http", target=target, payload=payload)
    )
    assert delivery is not None and delivery.id is not None
    return delivery.id


def _delivery(db: Database, delivery_id: int) -> Delivery:
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        return delivery


def _attempts(db: Database, delivery_id: int) -> list[Attempt]:
    with db.session() as session:
        return list(
            session.execute(
                select(Attempt)
                .where(Attempt.delivery_id == delivery_id)
                .order_by(Attempt.id)
            ).scalars()
        )


def test_failing_receiver_gets_attempts_on_schedule_then_dead_letter_then_replay(
    db, outbox, dispatcher, clock, receiver
):
    peer, target = receiver
    peer.default = Reply(status=503, body="maintenance")
    delivery_id = _queue(outbox, target)

    waits = []
    for attempt in range(1, len(SVIX_SCHEDULE) + 1):
        assert dispatcher.run_once() == 1, f"attempt {attempt} was not due"
        assert dispatcher.run_once() == 0, "nothing more is due at the same moment"
        delivery = _delivery(db, delivery_id)
        if delivery.state == "dead":
            break
        waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
        clock.set(delivery.next_attempt_at)

    assert delivery.state == "dead"
    assert delivery.attempts == 8
    assert "HTTP 503" in delivery.last_error
    for planned, actual in zip(SVIX_SCHEDULE[1:], waits, strict=True):
        assert planned * 0.8 <= actual <= planned * 1.2
    assert [a.outcome for a in _attempts(db, delivery_id)] == ["failed"] * 8
    assert _attempts(db, delivery_id)[-1].response_excerpt == "maintenance"

    peer.default = Reply(status=200)
    replay = outbox.replay(delivery_id, actor="test")
    dispatcher.run_once()

    assert _delivery(db, replay.id).state == "delivered"
    assert _delivery(db, delivery_id).state == "dead"
    assert peer.requests[-1][1] == b'{"n": 1}'
    assert sum(peer.accepted.values()) == 1


def test_retry_after_from_receiver_postpones_next_attempt(
    db, outbox, dispatcher, clock, receiver
):
    peer, target = receiver
    peer.replies = [Reply(status=429, headers={"Retry-After": "600"})]
    delivery_id = _queue(outbox, target)

    dispatcher.run_once()

    delivery = _delivery(db, delivery_id)
    assert delivery.state == "retrying"
    assert delivery.next_attempt_at - clock.now() >= timedelta(seconds=600)


def test_gone_receiver_makes_a_dead_letter_at_once(db, outbox, dispatcher, receiver):
    peer, target = receiver
    peer.replies = [Reply(status=410, body="endpoint removed")]
    delivery_id = _queue(outbox, target)

    dispatcher.run_once()

    delivery = _delivery(db, delivery_id)
    assert delivery.state == "dead"
    assert delivery.attempts == 1
    assert "410" in delivery.last_error


def test_redirect_is_a_failed_attempt_and_not_followed(
    db, outbox, dispatcher, receiver
):
    peer, target = receiver
    peer.replies = [
        Reply(status=302, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    ]
    delivery_id = _queue(outbox, target)

    dispatcher.run_once()

    assert _delivery(db, delivery_id).state == "retrying"
    assert len(peer.requests) == 1
    assert "not followed" in _attempts(db, delivery_id)[0].error


def test_expired_lease_counts_as_attempt_so_a_poison_delivery_ends_dead(
    db, outbox, clock
):
    delivery_id = _queue(outbox, "http://127.0.0.1:9/never-called")

    for _ in range(len(SVIX_SCHEDULE)):
        clock.set(_delivery(db, delivery_id).next_attempt_at)
        assert len(outbox.claim()) == 1  # the worker takes it and dies with it
        clock.advance(outbox.settings.lease_seconds + 1)
        assert outbox.reclaim_expired() == 1

    delivery = _delivery(db, delivery_id)
    assert delivery.state == "dead"
    assert [a.outcome for a in _attempts(db, delivery_id)] == ["lease_expired"] * 8


def test_private_target_is_refused_unless_allowed(db, clock, tmp_path: Path):
    strict = Outbox(db, OutboxSettings(), clock=clock)
    sender = HttpSender(timeout=5)
    dispatcher = Dispatcher(strict, {}, sender)
    delivery_id = _queue(strict, "http://169.254.169.254/latest/meta-data/")

    dispatcher.run_once()
    dispatcher.close()

    delivery = _delivery(db, delivery_id)
    assert delivery.state == "dead"
    assert "private or reserved" in delivery.last_error


def test_manual_retry_of_dead_letter_gives_one_more_attempt(
    db, outbox, dispatcher, receiver
):
    peer, target = receiver
    peer.replies = [Reply(status=400, body="bad field")]
    delivery_id = _queue(outbox, target)
    dispatcher.run_once()
    assert _delivery(db, delivery_id).state == "dead"

    outbox.retry(delivery_id, actor="integrator")
    dispatcher.run_once()

    delivery = _delivery(db, delivery_id)
    assert delivery.state == "delivered"
    assert delivery.attempts == 2
    assert list(peer.accepted.values()) == [1]


def test_two_reclaimers_at_once_turn_each_expired_lease_into_one_attempt(
    db, outbox, clock
):
    # The dispatcher and housekeeping both reclaim, on their own threads.
    ids = [_queue(outbox, "http://127.0.0.1:9/never-called") for _ in range(60)]
    assert len(outbox.claim(limit=60)) == 60
    clock.advance(outbox.settings.lease_seconds + 1)
    start = threading.Barrier(2)
    counts: list[int] = []

    def reclaim() -> None:
        start.wait()
        counts.append(outbox.reclaim_expired())

    threads = [threading.Thread(target=reclaim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(counts) == 60
    with db.session() as session:
        outcomes = session.execute(
            select(Attempt.delivery_id).where(Attempt.outcome == "lease_expired")
        ).all()
    assert sorted(delivery_id for (delivery_id,) in outcomes) == ids
