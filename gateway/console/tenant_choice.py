"""Which tenant a page about one company shows.

A user bound to a tenant always sees that one; a user who sees every tenant picks
one with ``?tenant=`` and gets the first configured tenant when none is named.
"""

from __future__ import annotations

from gateway.console.access import PageMissing
from gateway.console.sessions import Operator
from gateway.hub import Hub


def tenant_choice(
    hub: Hub, operator: Operator, requested: str | None
) -> tuple[str, list[str]]:
    """The tenant shown and the ones the user could switch to."""
    if operator.tenant_id is not None:
        if requested not in (None, "", operator.tenant_id):
            raise PageMissing()
        return operator.tenant_id, [operator.tenant_id]
    known = [tenant.id for tenant in hub.settings.tenants]
    if not known:
        raise PageMissing()
    if requested and requested not in known:
        raise PageMissing()
    return requested or known[0], known
