"""Bearer tokens, roles and tenants: who is calling and what they may see.

Roles rank ``viewer < manager < integrator < admin``; each may do what the ones below
it may. A token bound to a tenant sees that tenant only; a token without one sees all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import structlog
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ApiError
from gateway.errors import PermissionDenied
from gateway.hub import Hub, hash_token
from gateway.store.tables import ApiToken

log = structlog.get_logger(__name__)

Role = Literal["viewer", "manager", "integrator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "manager", "integrator", "admin")
"""Lowest first."""
_RANKS = {role: place for place, role in enumerate(ROLES)}

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most this often, so reads do not all become writes."""

bearer = HTTPBearer(
    auto_error=False,
    description="An API token: `Authorization: Bearer kgw_...`",
)


@dataclass(frozen=True)
class Caller:
    token_id: int
    name: str
    role: str
    tenant_id: str | None

    def can_see(self, tenant_id: str) -> bool:
        return self.tenant_id is None or self.tenant_id == tenant_id

    def has_role(self, role: Role) -> bool:
        return rank(self.role) >= rank(role)

    @property
    def actor(self) -> str:
        """How audit entries name this caller."""
        return f"token:{self.token_id} ({self.name})"[:128]

    def tenant_filter(self, requested: str | None) -> str | None:
        """The tenant a listing is limited to, or None for every tenant."""
        if self.tenant_id is None:
            return requested
        if requested is not None and requested != self.tenant_id:
            raise PermissionDenied(
                f"this token is limited to tenant {self.tenant_id!r}; "
                "listing another tenant needs an all-tenant token"
            )
        return self.tenant_id


def rank(role: str) -> int:
    """A role's place in the order; an unknown role ranks below every real one."""
    return _RANKS.get(role, -1)


def unauthenticated(message: str, *, invalid: bool) -> ApiError:
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


async def current_caller(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    hub: Hub = Depends(get_hub),
) -> Caller:
    if credentials is None:
        raise unauthenticated(
            "send an API token as 'Authorization: Bearer <token>'", invalid=False
        )
    caller = await run_in_threadpool(caller_for, hub, credentials.credentials)
    if caller is None:
        log.warning("api_token_refused", path=request.url.path)
        raise unauthenticated("the API token is unknown or revoked", invalid=True)
    request.state.tenant = caller.tenant_id
    request.state.token_id = caller.token_id
    structlog.contextvars.bind_contextvars(tenant=caller.tenant_id)
    return caller


def caller_for(hub: Hub, token: str) -> Caller | None:
    """Look a presented token up by its hash; note when it was last used."""
    now = hub.clock.now()
    with hub.db.session() as session:
        row = session.execute(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now
        assert row.id is not None
        return Caller(row.id, row.name, row.role, row.tenant_id)


def require(role: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency that lets through callers with ``role`` or a higher one."""

    async def dependency(caller: Caller = Depends(current_caller)) -> Caller:
        if not caller.has_role(role):
            raise PermissionDenied(
                f"this needs the {role} role or higher; the token "
                f"{caller.name!r} has {caller.role}"
            )
        return caller

    return dependency
