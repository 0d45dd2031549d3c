"""Wrong 1C passwords, counted per login and address, and the pause they earn.

Each wrong password costs the gateway a scrypt run, and an exchange URL on the
internet is guessed at. After ``max_failures`` wrong passwords for one login from
one address within ``window``, that pair is refused for ``pause`` without the
password being checked; a right password before that clears the count. Other
addresses keep signing in, so a guesser cannot lock the accountant's 1C out.

The counts live in the node's memory: behind a load balancer each node counts
its own, which still bounds the guesses to a few per node and pause.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.clock import Clock

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
PAUSE = timedelta(minutes=15)
MAX_TRACKED = 10_000
"""Pairs kept at most; the oldest go first when a flood of addresses fills it."""


@dataclass
class _Failures:
    times: list[datetime] = field(default_factory=list)
    paused_until: datetime | None = None


class LoginThrottle:
    def __init__(
        self,
        clock: Clock,
        *,
        max_failures: int = MAX_FAILURES,
        window: timedelta = WINDOW,
        pause: timedelta = PAUSE,
    ):
        self.clock = clock
        self.max_failures = max_failures
        self.window = window
        self.pause = pause
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._guard = threading.Lock()

    def paused_until(self, login: str, address: str) -> datetime | None:
        """When the pair may try again, if it is paused now."""
        now = self.clock.now()
        with self._guard:
            entry = self._failures.get(_key(login, address))
            if entry is None or entry.paused_until is None:
                return None
            if entry.paused_until <= now:
                del self._failures[_key(login, address)]
                return None
            return entry.paused_until

    def failed(self, login: str, address: str) -> datetime | None:
        """Count a wrong password; when the pair is paused by it, until when."""
        now = self.clock.now()
        with self._guard:
            entry = self._failures.pop(_key(login, address), None) or _Failures()
            entry.times = [t for t in entry.times if now - t < self.window] + [now]
            if len(entry.times) >= self.max_failures:
                entry.paused_until = now + self.pause
            self._failures[_key(login, address)] = entry
            while len(self._failures) > MAX_TRACKED:
                del self._failures[next(iter(self._failures))]
            return entry.paused_until

    def succeeded(self, login: str, address: str) -> None:
        with self._guard:
            self._failures.pop(_key(login, address), None)


def _key(login: str, address: str) -> tuple[str, str]:
    return login.casefold(), address
