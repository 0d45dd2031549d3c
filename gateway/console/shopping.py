"""What the console's ordering pages share: who the buyer is, which tenant they
work in, and refusals shown on the page rather than as a bare error.

A user bound to a tenant always works in it; a user who sees every tenant picks
one with ``?tenant=`` (or the form's ``tenant`` field), the first configured one
when they name none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.cabinet.actor import Actor
from gateway.config import TenantSettings
from gateway.console.access import PageMissing, console_of, visible
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


def tenant_of(
    request: Request, operator: Operator, named: Any = None
) -> TenantSettings:
    settings = console_of(request).hub.settings
    name = operator.tenant_id or str(named or "") or request.query_params.get("tenant")
    if not name:
        if not settings.tenants:
            raise PageMissing()
        name = settings.tenants[0].id
    visible(operator, name)
    found = settings.tenant(name)
    if found is None:
        raise PageMissing()
    return found


def tenant_choice(request: Request, operator: Operator) -> list[str]:
    """The tenants an all-tenant user may switch between; none for a bound user."""
    if operator.tenant_id is not None:
        return []
    return [t.id for t in console_of(request).hub.settings.tenants]


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
