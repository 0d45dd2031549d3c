"""API tokens, managed by admins. A token's secret is shown once, when it is made."""

from __future__ import annotations

import secrets

import structlog
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from gateway.api.audit import write_audit
from gateway.api.auth import Caller, Role, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.params import Id
from gateway.api.schemas import TokenCreated, TokenOut
from gateway.errors import NotFound, PermissionDenied, ValidationFailed
from gateway.hub import Hub, hash_token
from gateway.store.tables import ApiToken

log = structlog.get_logger(__name__)

TOKEN_PREFIX = "kgw_"

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=ERROR_RESPONSES)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        """PostgreSQL cannot store a NUL: refused here rather than as a crash."""
        if "\x00" in name:
            raise ValueError("the name contains a NUL character; remove it")
        return name

    role: Role
    tenant_id: str | None = Field(
        default=None, description="the one tenant it may see; null for all tenants"
    )


async def token_manager(caller: Caller = Depends(require("admin"))) -> Caller:
    """All-tenant admins only: a tenant's admin could otherwise mint wider tokens."""
    if caller.tenant_id is not None:
        raise PermissionDenied("managing tokens needs an all-tenant admin token")
    return caller


@router.post("", status_code=201, response_model=TokenCreated)
def create_token(
    wanted: TokenIn,
    caller: Caller = Depends(token_manager),
    hub: Hub = Depends(get_hub),
) -> TokenCreated:
    problems = []
    if wanted.tenant_id is not None and hub.settings.tenant(wanted.tenant_id) is None:
        problems.append(f"tenant {wanted.tenant_id!r} is not configured")
    if wanted.role == "admin" and wanted.tenant_id is not None:
        problems.append("an admin token cannot be limited to one tenant")
    if problems:
        raise ValidationFailed(problems)

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with hub.db.session() as session:
        token = ApiToken(
            name=wanted.name,
            token_hash=hash_token(secret),
            role=wanted.role,
            tenant_id=wanted.tenant_id,
            created_at=hub.clock.now(),
        )
        session.add(token)
        session.flush()
        write_audit(
            hub,
            session,
            caller,
            "token.create",
            f"token:{token.id}",
            tenant_id=token.tenant_id,
            details={"name": token.name, "role": token.role},
        )
    log.info(
        "token_created",
        token_id=token.id,
        role=token.role,
        token_tenant=token.tenant_id,
    )
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.get("", response_model=list[TokenOut])
def list_tokens(
    _caller: Caller = Depends(token_manager), hub: Hub = Depends(get_hub)
) -> list[TokenOut]:
    with hub.db.session() as session:
        rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars()
        return [TokenOut.model_validate(row) for row in rows]


@router.delete("/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: Id,
    caller: Caller = Depends(token_manager),
    hub: Hub = Depends(get_hub),
) -> TokenOut:
    """Revoke a token at once; revoking it again changes nothing."""
    with hub.db.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"token {token_id} does not exist")
        newly_revoked = token.revoked_at is None
        if newly_revoked:
            token.revoked_at = hub.clock.now()
            write_audit(
                hub,
                session,
                caller,
                "token.revoke",
                f"token:{token_id}",
                tenant_id=token.tenant_id,
                details={"name": token.name},
            )
    if newly_revoked:
        log.info("token_revoked", token_id=token_id, token_tenant=token.tenant_id)
    return TokenOut.model_validate(token)
