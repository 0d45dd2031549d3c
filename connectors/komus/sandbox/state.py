"""Everything one running sandbox holds, built once from its settings."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from connectors.komus.sandbox.catalog import Catalog, generate_catalog
from connectors.komus.sandbox.clients import Clients
from connectors.komus.sandbox.clock import SandboxClock, from_stored, stored
from connectors.komus.sandbox.faults import FaultInjector, FaultPlan
from connectors.komus.sandbox.limits import RateLimiter
from connectors.komus.sandbox.store import SandboxStore
from gateway.config import KomusSandboxOptions

CLOCK_MARK = "clock_high_water"


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    responses: dict[str, Counter[int]] = field(default_factory=dict)
    create_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(self, token: str) -> None:
        with self._lock:
            self.requests[token] += 1

    def response(self, token: str, status: int) -> None:
        with self._lock:
            self.responses.setdefault(token, Counter())[status] += 1

    def create(self) -> None:
        with self._lock:
            self.create_requests += 1

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.responses.clear()
            self.create_requests = 0


class SandboxState:
    def __init__(self, options: KomusSandboxOptions):
        self.options = options
        self.catalog: Catalog = generate_catalog(options.catalog_seed, options.articles)
        self.clients = Clients(options.clients)
        self.clock = SandboxClock(options.clock_start, options.clock_speed)
        self.store = SandboxStore(options.database)
        self.limiter = RateLimiter(
            self.clock,
            options.requests_per_minute,
            block_minutes=options.block_minutes,
            time_scale=options.time_scale,
        )
        self.faults = FaultInjector(
            FaultPlan.from_settings(options.faults), options.faults.seed
        )
        self.stats = Stats()
        self._resume_clock()

    def _resume_clock(self) -> None:
        """After a restart the clock continues from where the orders left it."""
        marks = [self.store.latest_change()]
        if (mark := self.store.meta(CLOCK_MARK)) is not None:
            marks.append(from_stored(mark))
        for moment in marks:
            if moment is not None:
                self.clock.not_before(moment)

    def remember_clock(self) -> None:
        self.store.set_meta(CLOCK_MARK, stored(self.clock.now()))

    def reset(self) -> None:
        self.store.reset()
        self.clock.reset()
        self.limiter.reset()
        self.faults.reset()
        self.stats.reset()

    def close(self) -> None:
        self.store.close()
