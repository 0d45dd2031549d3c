"""What every CRM adapter reads out of a hook request, and how it says no."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from gateway.errors import GatewayError


class HookRefused(GatewayError):
    """The request failed the CRM's own check (token, signature, organisation)."""


class HookUnreadable(GatewayError):
    """The body is not what this CRM sends; kept as a failed message."""


@dataclass(frozen=True)
class HookRequest:
    method: str
    url: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    settings: dict[str, Any]
    received_at: datetime


@dataclass
class DealEvent:
    """One change of one deal, as much as the hook itself says about it.

    ``sequence`` orders events of one deal (the CRM's event time in milliseconds, or
    its version); ``key`` is unique per event and makes intake idempotent.
    """

    deal_id: str
    key: str
    sequence: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    media_type: str = "text/plain"


class Adapter(Protocol):
    kind: str

    def read(self, request: HookRequest) -> list[DealEvent]:
        """Check the request and take its deal events; raises HookRefused or
        HookUnreadable."""
        ...

    def answer(self, events: list[DealEvent]) -> Answer: ...


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing side never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def need(settings: dict[str, Any], name: str, kind: str) -> str:
    value = settings.get(name)
    if not value:
        raise HookRefused(f"the {kind} hook has no {name} configured")
    return str(value)


def plain_ok(events: list[DealEvent]) -> Answer:
    return Answer(200, b"ok")
