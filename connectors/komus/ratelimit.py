"""One request budget per Komus token, shared by every node through the database.

Komus blocks a token for two hours once it sees more than 180 requests in a minute,
so the budget must hold across processes and machines, not per client. Each token
has ``limit`` slots in ``komus_rate_slots``; a request takes the slot used longest
ago, and only when that use is at least a window old. A slot is therefore used at
most once per window, and no window holds more requests than there are slots.

Taking a slot is one ``UPDATE … RETURNING`` that re-checks the slot's age, which makes
it atomic on SQLite (one writer at a time) and on PostgreSQL (a row updated by a
concurrent transaction is re-checked after its commit); on PostgreSQL the candidate
is picked with ``FOR UPDATE SKIP LOCKED`` so concurrent nodes take different slots
instead of queueing for the same one.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.komus.errors import KomusRateLimited
from gateway.store.database import Database
from gateway.store.tables import KomusRateSlot

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 60.0
"""Komus counts requests per minute."""

CONTENTION_PAUSE = (0.005, 0.03)
"""Seconds to pause when a free slot was taken by another node in the same instant."""

_TAKE = """
UPDATE komus_rate_slots SET used_at = :now
WHERE token_hash = :token_hash AND used_at <= :cutoff AND slot = (
    SELECT slot FROM komus_rate_slots
    WHERE token_hash = :token_hash AND slot < :limit AND used_at <= :cutoff
    ORDER BY used_at LIMIT 1 {lock}
)
RETURNING slot
"""
_OLDEST = """
SELECT min(used_at) FROM komus_rate_slots
WHERE token_hash = :token_hash AND slot < :limit
"""
_HOLD = """
UPDATE komus_rate_slots SET used_at = :used_at
WHERE token_hash = :token_hash AND used_at < :used_at
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(f"komus-token:{token}".encode()).hexdigest()


class RateBudget:
    """Hands out requests for a token so that no window sees more than ``limit``.

    ``acquire`` sleeps while the budget is spent; a normal wait is at most one window
    (plus the clock skew between nodes). A longer one, past ``max_wait`` (Komus
    blocked the token, see ``hold``), raises ``KomusRateLimited`` at once, so that no
    worker thread sleeps for hours.
    """

    def __init__(
        self,
        db: Database,
        *,
        limit: int,
        window_seconds: float = WINDOW_SECONDS,
        max_wait: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.db = db
        self.limit = limit
        self.window = window_seconds
        self.max_wait = window_seconds * 1.5 if max_wait is None else max_wait
        self.clock = clock
        self.sleep = sleep
        lock = "FOR UPDATE SKIP LOCKED" if db.is_postgres else ""
        self._take = text(_TAKE.format(lock=lock))
        self._oldest = text(_OLDEST)
        self._hold = text(_HOLD)
        self._ready: set[str] = set()
        self._guard = threading.Lock()

    def acquire(self, digest: str) -> float:
        """Wait for a request slot of the token; returns the seconds waited."""
        self._prepare(digest)
        waited = 0.0
        while True:
            wait = self._try(digest)
            if wait == 0:
                return waited
            if wait > self.max_wait:
                raise KomusRateLimited(
                    f"the Komus request budget of this token is spent for "
                    f"{wait:.0f} s more; the request will be tried again later",
                    retry_after=wait,
                    status_code=429,
                )
            log.debug("komus_budget_wait", seconds=round(wait, 3))
            self.sleep(wait)
            waited += wait

    def hold(self, digest: str, seconds: float) -> None:
        """Spend the whole budget for ``seconds``: every node waits, e.g. after 429."""
        self._prepare(digest)
        used_at = self.clock() + seconds - self.window
        with self.db.engine.begin() as connection:
            connection.execute(self._hold, {"token_hash": digest, "used_at": used_at})
        log.warning("komus_budget_held", seconds=round(seconds, 1))

    def _try(self, digest: str) -> float:
        """0 when a slot was taken, else the seconds until one may be free."""
        now = self.clock()
        values = {
            "token_hash": digest,
            "now": now,
            "cutoff": now - self.window,
            "limit": self.limit,
        }
        with self.db.engine.begin() as connection:
            taken = connection.execute(self._take, values).first()
            if taken is not None:
                return 0.0
            oldest = connection.execute(self._oldest, values).scalar_one()
        # Read the clock again: the statement may have waited for another writer.
        wait = float(oldest) + self.window - self.clock()
        if wait <= 0:
            return random.uniform(*CONTENTION_PAUSE)
        return wait

    def _prepare(self, digest: str) -> None:
        """Create the token's slots the first time this process meets it."""
        if digest in self._ready:
            return
        with self._guard:
            if digest in self._ready:
                return
            insert = pg_insert if self.db.is_postgres else sqlite_insert
            rows = [
                {"token_hash": digest, "slot": slot, "used_at": 0.0}
                for slot in range(self.limit)
            ]
            statement = insert(KomusRateSlot).values(rows).on_conflict_do_nothing()
            with self.db.engine.begin() as connection:
                connection.execute(statement)
            self._ready.add(digest)
