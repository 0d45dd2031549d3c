"""REST routes for integrators: CRM hooks, webhook subscriptions, resend and recover.

A hook's URL and a subscription's secret are in the answer that makes (or rotates)
them, and never again. A hook's CRM credentials are never shown back: its settings
list them as ``"(sealed)"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from connectors.crm.fanout import CHANNEL, SUBSCRIPTION_HEADER
from connectors.crm.hooks import HookStore, IssuedHook
from connectors.crm.subscriptions import Subscriptions
from gateway.api.auth import Caller, require
from gateway.errors import NotFound, PermissionDenied, ValidationFailed
from gateway.hub import Hub
from gateway.netguard import TargetRefused
from gateway.store.tables import CrmHook, Delivery, WebhookSubscription
from gateway.vault import is_sealed

RECOVER_WINDOW = timedelta(days=14)


def _without_nul(text: str | None) -> str | None:
    """PostgreSQL cannot store a NUL: refused here rather than as a crash."""
    if text is not None and "\x00" in text:
        raise ValueError("contains a NUL character; remove it")
    return text


class HookIn(BaseModel):
    kind: str
    name: str = Field(min_length=1, max_length=128)
    tenant_id: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    _name_printable = field_validator("name")(_without_nul)


class HookOut(BaseModel):
    id: int
    tenant_id: str
    kind: str
    name: str
    url_path: str | None = None
    """Shown once, when the hook is made or rotated."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Credentials read ``(sealed)``."""


class HookSettingsIn(BaseModel):
    settings: dict[str, Any]


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=1, max_length=4096)
    event_types: list[str] = Field(default_factory=list)
    description: str | None = Field(default=None, max_length=255)
    tenant_id: str | None = None

    _description_printable = field_validator("description")(_without_nul)


class SubscriptionOut(BaseModel):
    id: int
    tenant_id: str
    url: str
    event_types: list[str]
    description: str | None
    disabled_at: datetime | None
    disabled_reason: str | None
    secret: str | None = None
    """Shown once, when the subscription is made or its secret rotated."""


class RecoverIn(BaseModel):
    since: datetime
    until: datetime | None = None


class RecoverOut(BaseModel):
    retried: list[int]


def admin_router(
    hub: Hub, hooks: HookStore, subscriptions: Subscriptions, kinds: list[str]
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["crm"])
    integrator = Depends(require("integrator"))

    @router.post("/crm/hooks", response_model=HookOut, status_code=201)
    def create_hook(body: HookIn, caller: Caller = integrator) -> HookOut:
        if body.kind not in kinds:
            raise ValidationFailed([f"kind must be one of {kinds}"])
        tenant = _tenant(hub, caller, body.tenant_id)
        return _hook_out(hooks.create(tenant, body.kind, body.name, body.settings))

    @router.post("/crm/hooks/{hook_id}/rotate", response_model=HookOut)
    def rotate_hook(hook_id: int, caller: Caller = integrator) -> HookOut:
        _visible(caller, hooks.get(hook_id).tenant_id, "CRM hook", hook_id)
        return _hook_out(hooks.rotate(hook_id))

    @router.put("/crm/hooks/{hook_id}/settings", response_model=HookOut)
    def replace_hook_settings(
        hook_id: int, body: HookSettingsIn, caller: Caller = integrator
    ) -> HookOut:
        """New CRM-side settings, e.g. a renewed API token; replaces all of them."""
        _visible(caller, hooks.get(hook_id).tenant_id, "CRM hook", hook_id)
        return _stored_hook(hooks.replace_settings(hook_id, body.settings))

    @router.get("/crm/hooks", response_model=list[HookOut])
    def list_hooks(caller: Caller = integrator) -> list[HookOut]:
        return [_stored_hook(h) for h in hooks.list(caller.tenant_id)]

    @router.post(
        "/webhooks/subscriptions", response_model=SubscriptionOut, status_code=201
    )
    def create_subscription(
        body: SubscriptionIn, caller: Caller = integrator
    ) -> SubscriptionOut:
        tenant = _tenant(hub, caller, body.tenant_id)
        try:
            made = subscriptions.create(
                tenant, body.url, body.event_types, body.description
            )
        except TargetRefused as refused:  # a bad URL in the request, not a conflict
            raise ValidationFailed([str(refused)]) from refused
        return _subscription_out(made, show_secret=True)

    @router.get("/webhooks/subscriptions", response_model=list[SubscriptionOut])
    def list_subscriptions(caller: Caller = integrator) -> list[SubscriptionOut]:
        return [_subscription_out(s) for s in subscriptions.list(caller.tenant_id)]

    @router.post(
        "/webhooks/subscriptions/{subscription_id}/rotate",
        response_model=SubscriptionOut,
    )
    def rotate_secret(
        subscription_id: int, caller: Caller = integrator
    ) -> SubscriptionOut:
        found = subscriptions.get(subscription_id)
        _visible(caller, found.tenant_id, "webhook subscription", subscription_id)
        return _subscription_out(
            subscriptions.rotate(subscription_id), show_secret=True
        )

    @router.post(
        "/webhooks/subscriptions/{subscription_id}/enable",
        response_model=SubscriptionOut,
    )
    def enable(subscription_id: int, caller: Caller = integrator) -> SubscriptionOut:
        found = subscriptions.get(subscription_id)
        _visible(caller, found.tenant_id, "webhook subscription", subscription_id)
        return _subscription_out(subscriptions.enable(subscription_id))

    @router.post(
        "/webhooks/subscriptions/{subscription_id}/recover",
        response_model=RecoverOut,
    )
    def recover(
        subscription_id: int, body: RecoverIn, caller: Caller = integrator
    ) -> RecoverOut:
        """Send again every dead delivery of the endpoint made since ``since``."""
        found = subscriptions.get(subscription_id)
        _visible(caller, found.tenant_id, "webhook subscription", subscription_id)
        ids = dead_since(hub, found, body.since, body.until)
        for delivery_id in ids:
            hub.outbox.retry(delivery_id, actor=caller.actor)
        return RecoverOut(retried=ids)

    @router.post("/webhooks/deliveries/{delivery_id}/resend", response_model=dict)
    def resend(delivery_id: int, caller: Caller = integrator) -> dict[str, int]:
        """A new delivery of the same message (same ``webhook-id``), fresh schedule."""
        with hub.db.session() as session:
            delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.channel != CHANNEL:
            raise NotFound(f"webhook delivery {delivery_id} does not exist")
        _visible(caller, delivery.tenant_id, "webhook delivery", delivery_id)
        copy = hub.outbox.replay(delivery_id, actor=caller.actor)
        assert copy.id is not None
        return {"delivery_id": copy.id}

    return router


def dead_since(
    hub: Hub,
    subscription: WebhookSubscription,
    since: datetime,
    until: datetime | None,
) -> list[int]:
    until = until or hub.clock.now()
    if until - since > RECOVER_WINDOW:
        raise ValidationFailed(["recover reaches back at most 14 days"])
    with hub.db.session() as session:
        rows = session.execute(
            select(Delivery)
            .where(
                Delivery.tenant_id == subscription.tenant_id,
                Delivery.channel == CHANNEL,
                Delivery.state == "dead",
                Delivery.created_at >= since,
                Delivery.created_at <= until,
            )
            .order_by(Delivery.id)
        ).scalars()
        wanted = str(subscription.id)
        return [
            row.id
            for row in rows
            if row.id is not None
            and (row.headers or {}).get(SUBSCRIPTION_HEADER) == wanted
        ]


def _tenant(hub: Hub, caller: Caller, asked: str | None) -> str:
    tenant = asked or caller.tenant_id  # another tenant's name is refused below
    if tenant is None:
        raise ValidationFailed(["name the tenant: tenant_id"])
    if not caller.can_see(tenant):
        raise PermissionDenied(f"this token is limited to tenant {caller.tenant_id!r}")
    hub.pipeline.tenant(tenant)
    return tenant


def _visible(caller: Caller, tenant_id: str, what: str, ident: int) -> None:
    if not caller.can_see(tenant_id):
        raise NotFound(f"{what} {ident} does not exist")


def _hook_out(issued: IssuedHook) -> HookOut:
    return HookOut(
        id=issued.id,
        tenant_id=issued.tenant_id,
        kind=issued.kind,
        name=issued.name,
        url_path=issued.path,
    )


def _stored_hook(hook: CrmHook) -> HookOut:
    assert hook.id is not None
    return HookOut(
        id=hook.id,
        tenant_id=hook.tenant_id,
        kind=hook.kind,
        name=hook.name,
        settings={
            name: "(sealed)" if is_sealed(value) else value
            for name, value in (hook.settings or {}).items()
        },
    )


def _subscription_out(
    found: WebhookSubscription, *, show_secret: bool = False
) -> SubscriptionOut:
    assert found.id is not None
    return SubscriptionOut(
        id=found.id,
        tenant_id=found.tenant_id,
        url=found.url,
        event_types=list(found.event_types or []),
        description=found.description,
        disabled_at=found.disabled_at,
        disabled_reason=found.disabled_reason,
        secret=found.secret if show_secret else None,
    )
