"""What the console's ordering pages share: who the buyer is, where a change
leads back to, and refusals shown on the page rather than as a bare error.

Which tenant they work in is chosen in ``gateway.console.tenant_choice``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.cabinet.actor import Actor
from gateway.config import TenantSettings
from gateway.console.access import PageMissing
from gateway.console.sessions import Operator
from gateway.errors import FinalError, NotFound, PermissionDenied, ValidationFailed

REFUSALS = (ValidationFailed, PermissionDenied, FinalError)
STATUS_OF = {ValidationFailed: 422, PermissionDenied: 403, FinalError: 409}


def actor_of(operator: Operator) -> Actor:
    return Actor(
        owner=f"user:{operator.user_id}",
        name=operator.actor,
        role=operator.role,
        login=operator.login,
        tenant_id=operator.tenant_id,
    )


def back(path: str, tenant: TenantSettings, **query: str) -> RedirectResponse:
    return RedirectResponse(
        f"{path}?{urlencode({'tenant': tenant.id, **query})}", status_code=303
    )


def attempt(
    action: Callable[[], Any], page: Callable[[str, int], Response]
) -> Response | None:
    """Run a change; a refusal renders ``page`` with the reason and its status."""
    try:
        action()
    except REFUSALS as refusal:
        status = next(s for kind, s in STATUS_OF.items() if isinstance(refusal, kind))
        reasons = getattr(refusal, "reasons", None) or [str(refusal)]
        return page("Не выполнено: " + "; ".join(reasons), status)
    except NotFound:
        raise PageMissing() from None
    return None


class TenantPage(Protocol):
    """A page of one tenant that can be shown again with an error on it."""

    def __call__(
        self,
        request: Request,
        operator: Operator,
        *,
        tenant_name: str | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Response: ...


def shown_on(
    page: TenantPage, request: Request, operator: Operator, tenant: TenantSettings
) -> Callable[[str, int], Response]:
    """How ``attempt`` shows a refusal: ``page`` of ``tenant`` again, with it."""

    def refused(error: str, status: int) -> Response:
        return page(
            request, operator, tenant_name=tenant.id, error=error, status_code=status
        )

    return refused
