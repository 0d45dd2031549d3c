"""Audit entries for what callers change through the API."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from gateway.api.auth import Caller
from gateway.hub import Hub
from gateway.store.tables import AuditEntry


def write_audit(
    hub: Hub,
    session: Session,
    caller: Caller,
    action: str,
    target: str,
    *,
    tenant_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the caller's transaction: it stands or falls with the change."""
    session.add(
        AuditEntry(
            at=hub.clock.now(),
            actor=caller.actor,
            tenant_id=tenant_id,
            action=action,
            target=target,
            details=details or {},
        )
    )
