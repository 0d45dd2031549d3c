"""Who orders, approves or edits: a console user or an API token, alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    owner: str
    """``user:<id>`` or ``token:<id>``: whose cart, and who may not self-approve."""
    name: str
    """How the audit log names them (``console:olga``, ``token:3 (erp)``)."""
    role: str
    login: str | None = None
    """The console login; None for an API token."""
    tenant_id: str | None = None
    """The only tenant they see, or None for every tenant."""

    def can_see(self, tenant_id: str) -> bool:
        return self.tenant_id is None or self.tenant_id == tenant_id

    @property
    def title(self) -> str:
        return self.login or self.name
