"""Errors raised by the gateway.

Every error the gateway raises on purpose derives from ``GatewayError``::

    GatewayError
    ├── ConfigError            config.yaml or a tenant in it is invalid (file:line:col)
    ├── ValidationFailed       a requisition cannot be ordered as it is; held
    ├── NotFound               a tenant, order, message or delivery does not exist
    ├── PermissionDenied       the caller's role or tenant does not allow the action
    ├── RetryableError         worth trying again: network faults, 5xx, 429, timeouts
    │   └── LeaseExpired       a worker died or stalled while holding a delivery
    └── FinalError             trying again cannot help: most 4xx, a refused payload

Retry policy is decided by the class, never by parsing a message.
"""

from __future__ import annotations

from dataclasses import dataclass


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


@dataclass
class ConfigProblem:
    """One problem in a configuration file, located for the operator."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.path}: {self.message}"
            if self.path
            else f"{where}: {self.message}"
        )


class ConfigError(GatewayError):
    """The configuration cannot be used; carries every problem, not just the first."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ValidationFailed(GatewayError):
    """A requisition breaks a rule; it is held with ``reasons`` until fixed."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class NotFound(GatewayError):
    pass


class PermissionDenied(GatewayError):
    pass


class RetryableError(GatewayError):
    """A transient fault; ``retry_after`` (seconds) is honoured when given."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        response_excerpt: str = "",
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.status_code = status_code
        self.response_excerpt = response_excerpt


class LeaseExpired(RetryableError):
    pass


class FinalError(GatewayError):
    """A fault another attempt cannot fix; the delivery goes straight to dead."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response_excerpt: str = "",
    ):
        super().__init__(message)
        self.status_code = status_code
        self.response_excerpt = response_excerpt


class InvalidTransition(GatewayError):
    """The order lifecycle does not allow the status change asked for."""
