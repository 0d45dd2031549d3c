"""Inbound hooks per tenant: create, rotate and find them by their path secret.

The URL ``/hooks/{tenant}/{kind}/{secret}`` is shown once, when the hook is made or
rotated; only the secret's SHA-256 is stored, so a leaked database does not leak
working hook URLs. The CRM credentials among the settings (tokens, client secrets,
passwords) are stored sealed with the operator's key and opened only to use them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select

from gateway.clock import Clock
from gateway.errors import NotFound
from gateway.store.database import Database
from gateway.store.tables import CrmHook
from gateway.vault import Vault

log = structlog.get_logger(__name__)

SECRET_BYTES = 32


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hook_path(tenant_id: str, kind: str, secret: str) -> str:
    return f"/hooks/{tenant_id}/{kind}/{secret}"


@dataclass(frozen=True)
class IssuedHook:
    """A hook and the one time its secret path is known."""

    id: int
    tenant_id: str
    kind: str
    name: str
    path: str


class HookStore:
    def __init__(self, db: Database, clock: Clock, vault: Vault):
        self.db = db
        self.clock = clock
        self.vault = vault

    def create(
        self, tenant_id: str, kind: str, name: str, settings: dict[str, Any]
    ) -> IssuedHook:
        secret = secrets.token_urlsafe(SECRET_BYTES)
        sealed = self.vault.seal_settings(settings)
        with self.db.session() as session:
            hook = CrmHook(
                tenant_id=tenant_id,
                kind=kind,
                name=name,
                secret_hash=secret_hash(secret),
                settings=sealed,
                created_at=self.clock.now(),
            )
            session.add(hook)
            session.flush()
            assert hook.id is not None
            log.info("crm_hook_created", tenant=tenant_id, kind=kind, hook_id=hook.id)
            return IssuedHook(
                hook.id, tenant_id, kind, name, hook_path(tenant_id, kind, secret)
            )

    def rotate(self, hook_id: int) -> IssuedHook:
        """A new secret path; the old one stops working at once."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self.db.session() as session:
            hook = session.get(CrmHook, hook_id)
            if hook is None:
                raise NotFound(f"CRM hook {hook_id} does not exist")
            hook.secret_hash = secret_hash(secret)
            hook.rotated_at = self.clock.now()
            log.info("crm_hook_rotated", tenant=hook.tenant_id, hook_id=hook_id)
            return IssuedHook(
                hook_id,
                hook.tenant_id,
                hook.kind,
                hook.name,
                hook_path(hook.tenant_id, hook.kind, secret),
            )

    def replace_settings(self, hook_id: int, settings: dict[str, Any]) -> CrmHook:
        """New settings for the CRM's side (a renewed token, a new password)."""
        sealed = self.vault.seal_settings(settings)
        with self.db.session() as session:
            hook = session.get(CrmHook, hook_id)
            if hook is None:
                raise NotFound(f"CRM hook {hook_id} does not exist")
            hook.settings = sealed
            log.info(
                "crm_hook_settings_replaced",
                tenant=hook.tenant_id,
                hook_id=hook_id,
                settings=sorted(settings),
            )
            return hook

    def settings(self, hook: CrmHook) -> dict[str, Any]:
        """The hook's settings with its credentials opened, for one request."""
        return self.vault.open_settings(hook.settings or {})

    def find(self, tenant_id: str, kind: str, secret: str) -> CrmHook | None:
        with self.db.session() as session:
            hook = session.execute(
                select(CrmHook).where(CrmHook.secret_hash == secret_hash(secret))
            ).scalar_one_or_none()
        if hook is None or hook.disabled_at is not None:
            return None
        if hook.tenant_id != tenant_id or hook.kind != kind:
            return None
        return hook

    def get(self, hook_id: int) -> CrmHook:
        with self.db.session() as session:
            hook = session.get(CrmHook, hook_id)
        if hook is None:
            raise NotFound(f"CRM hook {hook_id} does not exist")
        return hook

    def list(self, tenant_id: str | None) -> list[CrmHook]:
        query = select(CrmHook).order_by(CrmHook.id)
        if tenant_id is not None:
            query = query.where(CrmHook.tenant_id == tenant_id)
        with self.db.session() as session:
            return list(session.execute(query).scalars())
