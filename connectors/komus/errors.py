"""What can go wrong talking to Komus, sorted by what the gateway does next.

FinalError (gateway.errors)
├── KomusTokenRefused     401/403: the tenant's token is wrong, revoked or blocked
└── KomusRefused          another 4xx: Komus will not take this request as it is
RetryableError (gateway.errors)
└── KomusUnavailable      timeout, connection drop, 5xx
    └── KomusRateLimited  429: the token's budget is spent; ``retry_after`` says
                          how long Komus wants the gateway to wait
"""

from __future__ import annotations

from datetime import datetime

from gateway.errors import FinalError, RetryableError


class KomusTokenRefused(FinalError):
    """Komus refused the tenant's token; no other request for it can succeed."""

    def __init__(
        self,
        tenant_id: str,
        status_code: int,
        detail: str,
        *,
        blocked_until: datetime | None = None,
    ):
        self.tenant_id = tenant_id
        self.blocked_until = blocked_until
        if blocked_until is not None:
            cause = (
                f"the token is blocked until {blocked_until:%Y-%m-%d %H:%M} UTC "
                "(too many requests); nothing is sent for this tenant until then"
            )
        else:
            cause = (
                "the token is wrong or revoked; issue a new one in the Komus partner "
                "cabinet (API – Управление доступом к API), put it in "
                f"tenants[{tenant_id}].komus.token and restart the gateway"
            )
        super().__init__(
            f"Komus refused the token of tenant {tenant_id!r} (HTTP {status_code}: "
            f"{detail}): {cause}; requisitions wait and are submitted afterwards",
            status_code=status_code,
            response_excerpt=detail,
        )


class KomusRefused(FinalError):
    """Komus answered 4xx to a request: retrying the same request cannot help."""


class KomusUnavailable(RetryableError):
    """Komus did not answer, dropped the connection or answered 5xx."""


class KomusRateLimited(KomusUnavailable):
    """Komus answered 429; ``retry_after`` (seconds) is what it asked for."""
