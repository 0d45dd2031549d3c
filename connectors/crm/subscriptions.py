"""Tenants' webhook endpoints: registration, secret rotation, disabling.

Signing secrets are stored sealed (``vault.py``); the plain ``whsec_`` secret is on
the object ``create`` and ``rotate`` return, for the one answer that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlmodel import Session

from connectors.crm.events import EVENT_TYPES
from connectors.crm.signing import new_secret
from gateway.clock import Clock
from gateway.errors import NotFound, ValidationFailed
from gateway.netguard import Resolver, resolve_checked
from gateway.store.database import Database
from gateway.store.tables import WebhookSubscription
from gateway.vault import Vault

log = structlog.get_logger(__name__)

ROTATION_OVERLAP = timedelta(days=1)
"""After a rotation the old secret signs too, for this long."""


class Subscriptions:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        allowed: Iterable[str] = (),
        resolver: Resolver | None = None,
        vault: Vault | None = None,
    ):
        self.db = db
        self.clock = clock
        self.allowed = list(allowed)
        self.resolver = resolver
        self.vault = vault or Vault.from_env()

    def create(
        self,
        tenant_id: str,
        url: str,
        event_types: list[str],
        description: str | None = None,
    ) -> WebhookSubscription:
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown:
            raise ValidationFailed([f"unknown event types {unknown}"])
        # The same check runs again on every connection; this one answers early.
        resolve_checked(url, self.allowed, self.resolver)
        now = self.clock.now()
        secret = new_secret()
        with self.db.session() as session:
            subscription = WebhookSubscription(
                tenant_id=tenant_id,
                url=url,
                event_types=sorted(set(event_types)),
                description=description,
                secret=self.vault.seal(secret),
                created_at=now,
                updated_at=now,
            )
            session.add(subscription)
            session.flush()
            log.info(
                "webhook_subscription_created",
                tenant=tenant_id,
                subscription_id=subscription.id,
            )
        return _showing(subscription, secret)

    def get(self, subscription_id: int) -> WebhookSubscription:
        with self.db.session() as session:
            found = session.get(WebhookSubscription, subscription_id)
        if found is None:
            raise NotFound(f"webhook subscription {subscription_id} does not exist")
        return found

    def list(self, tenant_id: str | None) -> list[WebhookSubscription]:
        query = select(WebhookSubscription).order_by(WebhookSubscription.id)
        if tenant_id is not None:
            query = query.where(WebhookSubscription.tenant_id == tenant_id)
        with self.db.session() as session:
            return list(session.execute(query).scalars())

    def rotate(self, subscription_id: int) -> WebhookSubscription:
        now = self.clock.now()
        with self.db.session() as session:
            found = session.get(WebhookSubscription, subscription_id)
            if found is None:
                raise NotFound(f"webhook subscription {subscription_id} does not exist")
            secret = new_secret()
            found.previous_secret = found.secret
            found.previous_until = now + ROTATION_OVERLAP
            found.secret = self.vault.seal(secret)
            found.updated_at = now
            log.info("webhook_secret_rotated", subscription_id=subscription_id)
        return _showing(found, secret)

    def enable(self, subscription_id: int) -> WebhookSubscription:
        with self.db.session() as session:
            found = session.get(WebhookSubscription, subscription_id)
            if found is None:
                raise NotFound(f"webhook subscription {subscription_id} does not exist")
            found.disabled_at = None
            found.disabled_reason = None
            found.failing_since = None
            found.updated_at = self.clock.now()
            return found


def _showing(stored: WebhookSubscription, secret: str) -> WebhookSubscription:
    """A detached copy of the stored row that carries the plain secret."""
    shown = WebhookSubscription.model_validate(stored.model_dump())
    shown.secret = secret
    return shown


def signing_keys(
    subscription: WebhookSubscription, now: datetime, vault: Vault
) -> list[str]:
    keys = [vault.open(subscription.secret)]
    until = subscription.previous_until
    if subscription.previous_secret and until is not None:
        if until.tzinfo is None:
            until = until.replace(tzinfo=now.tzinfo)
        if now < until:
            keys.append(vault.open(subscription.previous_secret))
    return keys


def matching(
    session: Session, tenant_id: str, event_type: str
) -> list[WebhookSubscription]:
    """Enabled endpoints of the tenant that take ``event_type`` (none listed: all)."""
    found = session.execute(
        select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id,
            WebhookSubscription.disabled_at.is_(None),  # type: ignore[union-attr]
        )
    ).scalars()
    return [s for s in found if not s.event_types or event_type in s.event_types]
