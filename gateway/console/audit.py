"""Audit entries for what console users change; ``console:<login>`` is the actor."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from gateway.clock import Clock
from gateway.store.tables import AuditEntry


def actor_for(login: str) -> str:
    return f"console:{login}"[:128]


def audit(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    target: str,
    *,
    tenant_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the change's own transaction."""
    session.add(
        AuditEntry(
            at=clock.now(),
            actor=actor,
            tenant_id=tenant_id,
            action=action,
            target=target[:255],
            details=details or {},
        )
    )
