"""When to try a delivery again: a per-channel schedule with jitter, and Retry-After."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from gateway.config import RetrySchedule

MAX_RETRY_AFTER_SECONDS = 24 * 3600
"""A peer asking for more than a day is capped; the schedule's own end still applies."""


def delay_before(
    attempt: int, schedule: RetrySchedule, rng: random.Random
) -> float | None:
    """Seconds to wait before ``attempt`` (1-based), or None when the schedule is spent.

    The first entry is the wait before the first attempt (normally 0, "at once").
    """
    if attempt > len(schedule.delays):
        return None
    base = schedule.delays[attempt - 1]
    if base == 0 or schedule.jitter == 0:
        return base
    return base * rng.uniform(1 - schedule.jitter, 1 + schedule.jitter)


def next_attempt_at(
    now: datetime,
    failed_attempt: int,
    schedule: RetrySchedule,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime | None:
    """When to make the attempt after ``failed_attempt``; None means dead letter."""
    delay = delay_before(failed_attempt + 1, schedule, rng)
    if delay is None:
        return None
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return now + timedelta(seconds=delay)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header, given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())
