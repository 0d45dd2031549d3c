"""Komus's rate limit: N requests per minute per token, then a two-hour block.

Both windows are measured on the sandbox clock and multiplied by ``time_scale``,
so a test can use a minute of a few seconds, or jump over the block with the clock.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from connectors.komus.sandbox.clock import SandboxClock


class Outcome(Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    blocked_until: datetime | None = None
    retry_after: int = 0


class RateLimiter:
    def __init__(
        self,
        clock: SandboxClock,
        per_minute: int,
        *,
        block_minutes: float = 120,
        time_scale: float = 1.0,
    ):
        self.clock = clock
        self.per_minute = per_minute
        self.window = timedelta(seconds=60 * time_scale)
        self.block = timedelta(minutes=block_minutes * time_scale)
        self._recent: dict[str, deque[datetime]] = {}
        self._blocked: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, token: str) -> Verdict:
        now = self.clock.now()
        with self._lock:
            until = self._blocked.get(token)
            if until is not None and now < until:
                return Verdict(Outcome.BLOCKED, until, _seconds(until - now))
            self._blocked.pop(token, None)

            recent = self._recent.setdefault(token, deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.per_minute:
                until = now + self.block
                self._blocked[token] = until
                recent.clear()
                return Verdict(Outcome.LIMITED, until, _seconds(self.block))
            recent.append(now)
            return Verdict(Outcome.ALLOWED)

    def blocked(self) -> dict[str, datetime]:
        now = self.clock.now()
        with self._lock:
            return {t: until for t, until in self._blocked.items() if until > now}

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._blocked.clear()


def _seconds(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))
