"""Tenants' webhook endpoints: registration, secret rotation, disabling."""

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
    ):
        self.db = db
        self.clock = clock
        self.allowed = list(allowed)
        self.resolver = resolver

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
        with self.db.session() as session:
            subscription = WebhookSubscription(
                tenant_id=tenant_id,
                url=url,
                event_types=sorted(set(event_types)),
                description=description,
                secret=new_secret(),
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
            return subscription

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
            found.previous_secret = found.secret
            found.previous_until = now + ROTATION_OVERLAP
            found.secret = new_secret()
            found.updated_at = now
            log.info("webhook_secret_rotated", subscription_id=subscription_id)
            return found

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


def signing_keys(subscription: WebhookSubscription, now: datetime) -> list[str]:
    keys = [subscription.secret]
    until = subscription.previous_until
    if subscription.previous_secret and until is not None:
        if until.tzinfo is None:
            until = until.replace(tzinfo=now.tzinfo)
        if now < until:
            keys.append(subscription.previous_secret)
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
