"""The request budget of a Komus token holds across nodes sharing one database."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from connectors.komus.errors import KomusRateLimited
from connectors.komus.ratelimit import RateBudget, token_hash
from gateway.store.database import Database
from gateway.store.tables import KomusRateSlot


def most_in_any_window(moments: list[float], window: float) -> int:
    """The largest number of moments inside one half-open window [t, t + window)."""
    moments = sorted(moments)
    return max(
        sum(1 for other in moments if start <= other < start + window)
        for start in moments
    )


class Granted:
    """A clock that remembers, per thread, the moment it last told the budget."""

    def __init__(self) -> None:
        self._last = threading.local()
        self.moments: list[float] = []
        self._guard = threading.Lock()

    def __call__(self) -> float:
        self._last.value = time.time()
        return self._last.value

    def take(self, budget: RateBudget, digest: str) -> None:
        budget.acquire(digest)
        with self._guard:
            self.moments.append(self._last.value)


def test_two_nodes_never_get_more_than_the_limit_in_any_window(database_url):
    nodes = [Database(database_url), Database(database_url)]
    nodes[0].migrate()
    granted = Granted()
    budgets = [
        RateBudget(db, limit=10, window_seconds=1.5, clock=granted) for db in nodes
    ]
    digest = token_hash("shared-token")

    with ThreadPoolExecutor(max_workers=6) as pool:
        taken = [
            pool.submit(granted.take, budgets[index % 2], digest) for index in range(36)
        ]
        for each in taken:
            each.result()

    assert len(granted.moments) == 36
    assert most_in_any_window(granted.moments, 1.5) == 10
    for db in nodes:
        db.dispose()


def test_only_a_hash_of_the_token_is_stored(database_url):
    db = Database(database_url)
    db.migrate()
    budget = RateBudget(db, limit=3)

    budget.acquire(token_hash("secret-komus-token"))

    with db.session() as session:
        stored = set(session.execute(select(KomusRateSlot.token_hash)).scalars())
    assert stored == {token_hash("secret-komus-token")}
    assert "secret-komus-token" not in next(iter(stored))
    db.dispose()


def test_a_wait_longer_than_allowed_is_refused_at_once_not_slept(sqlite_url):
    db = Database(sqlite_url)
    db.migrate()
    budget = RateBudget(db, limit=5, max_wait=10)
    digest = token_hash("blocked-token")
    budget.hold(digest, 7200)
    started = time.monotonic()

    with pytest.raises(KomusRateLimited) as refused:
        budget.acquire(digest)

    assert refused.value.retry_after > 7000
    assert time.monotonic() - started < 1
    db.dispose()
