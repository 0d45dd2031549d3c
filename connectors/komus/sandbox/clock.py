"""The sandbox clock: wall time at a chosen speed, plus whatever tests add to it.

Orders move on this clock, and the rate limiter measures its windows on it, so a
test can skip two hours of a token block or a day of delivery with one call.
Komus writes times in Moscow time without an offset; helpers here do the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "MSK")
KOMUS_TIME = "%Y-%m-%d %H:%M:%S"


class SandboxClock:
    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._monotonic = monotonic
        self._speed = speed
        self._start = start
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            start = self._start or datetime.now(UTC)
            if start.tzinfo is None:
                start = start.replace(tzinfo=MOSCOW)
            self._anchor = start.astimezone(UTC)
            self._anchor_real = self._monotonic()
            self._offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        elapsed = (self._monotonic() - self._anchor_real) * self._speed
        return self._anchor + timedelta(seconds=elapsed) + self._offset

    def advance(self, minutes: float) -> datetime:
        if minutes < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += timedelta(minutes=minutes)
            return self._now()

    def not_before(self, moment: datetime) -> None:
        """Catch up with ``moment``: after a restart, time must not run backwards."""
        with self._lock:
            lag = moment - self._now()
            if lag > timedelta(0):
                self._offset += lag

    @property
    def speed(self) -> float:
        return self._speed


def komus_time(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime(KOMUS_TIME)


def komus_date(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def parse_komus_time(text: str) -> datetime:
    return datetime.strptime(text, KOMUS_TIME).replace(tzinfo=MOSCOW).astimezone(UTC)


def stored(moment: datetime) -> str:
    """UTC ISO text that sorts as time does, for SQLite columns."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_stored(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
