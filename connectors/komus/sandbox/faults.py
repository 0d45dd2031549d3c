"""Faults the sandbox injects into the Komus API: errors, latency, timeouts, 429s.

Errors and 429s are answered before the request is handled, so nothing happened.
A timeout is the treacherous one: the request *is* handled (an order gets created)
and only the answer is held back until the client gives up.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from enum import Enum

from gateway.config import SandboxFaults


class Fault(Enum):
    ERROR = "error"
    THROTTLE = "throttle"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class FaultPlan:
    error_rate: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    timeout_seconds: float = 35.0
    throttle_rate: float = 0.0
    retry_after_seconds: int = 5
    path_prefix: str = ""
    method: str | None = None
    count: int | None = None

    @classmethod
    def from_settings(cls, faults: SandboxFaults) -> FaultPlan:
        return cls(
            error_rate=faults.error_rate,
            latency_ms=faults.latency_ms,
            timeout_rate=faults.timeout_rate,
            timeout_seconds=faults.timeout_seconds,
            throttle_rate=faults.throttle_rate,
            retry_after_seconds=faults.retry_after_seconds,
        )

    def applies_to(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() != self.method.upper():
            return False
        return path.startswith(self.path_prefix)


@dataclass(frozen=True)
class Draw:
    fault: Fault | None
    latency_seconds: float
    status: int = 0


class FaultInjector:
    def __init__(self, plan: FaultPlan, seed: int = 0):
        self._default = plan
        self._plan = plan
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {fault.value: 0 for fault in Fault}

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan

    def reset(self) -> None:
        with self._lock:
            self._plan = self._default
            self._random = random.Random(self._seed)
            self.injected = {fault.value: 0 for fault in Fault}

    def draw(self, method: str, path: str) -> Draw:
        """Path is relative to the API root, e.g. ``/orders``."""
        with self._lock:
            plan = self._plan
            if not plan.applies_to(method, path) or plan.count == 0:
                return Draw(None, 0.0)
            latency = plan.latency_ms / 1000
            roll = self._random.random()
            fault = None
            status = 0
            if roll < plan.error_rate:
                fault, status = Fault.ERROR, self._random.choice((500, 503))
            elif roll < plan.error_rate + plan.throttle_rate:
                fault, status = Fault.THROTTLE, 429
            elif roll < plan.error_rate + plan.throttle_rate + plan.timeout_rate:
                fault = Fault.TIMEOUT
            if fault is not None:
                self.injected[fault.value] += 1
                if plan.count is not None:
                    self._plan = replace(plan, count=plan.count - 1)
            return Draw(fault, latency, status)

    def describe(self) -> dict:
        return asdict(self._plan)
