"""Which tenant a page about one company shows.

A user bound to a tenant always sees that one; a user who sees every tenant picks
one with ``?tenant=`` (or a form's ``tenant`` field) and gets the first configured
tenant when none is named. A name the user may not see looks like a missing page.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from gateway.config import TenantSettings
from gateway.console.access import PageMissing, console_of
from gateway.console.sessions import Operator
from gateway.hub import Hub


def switchable(hub: Hub, operator: Operator) -> list[str]:
    """The tenants an all-tenant user may switch between; none for a bound user."""
    if operator.tenant_id is not None:
        return []
    return [tenant.id for tenant in hub.settings.tenants]


def chosen(hub: Hub, operator: Operator, requested: str | None) -> str:
    """The tenant shown: a bound user's own, else the requested or first one."""
    if operator.tenant_id is not None:
        if requested not in (None, "", operator.tenant_id):
            raise PageMissing()
        return operator.tenant_id
    known = switchable(hub, operator)
    if not known or (requested and requested not in known):
        raise PageMissing()
    return requested or known[0]


def tenant_choice(
    hub: Hub, operator: Operator, requested: str | None
) -> tuple[str, list[str]]:
    """The tenant shown and the ones the user could switch to."""
    return chosen(hub, operator, requested), switchable(hub, operator)


def tenant_of(
    request: Request, operator: Operator, named: Any = None
) -> TenantSettings:
    """The settings of the tenant an ordering page or form works in.

    ``named`` is a form's ``tenant`` field; a bound user's own tenant wins over it,
    so a stale form from another session cannot switch their company.
    """
    hub = console_of(request).hub
    requested = str(named or "") or request.query_params.get("tenant")
    tenant_id = chosen(hub, operator, None if operator.tenant_id else requested)
    found = hub.settings.tenant(tenant_id)
    if found is None:
        raise PageMissing()
    return found


def requested_tenant(request: Request, operator: Operator) -> tuple[str, list[str]]:
    """``tenant_choice`` for the ``?tenant=`` of a page's query string."""
    hub = console_of(request).hub
    return tenant_choice(hub, operator, request.query_params.get("tenant"))
