"""Credentials an admin rotates in the console, and webhook endpoints.

Each rotation returns the new secret once; only its hash (API tokens, CRM hook
paths, 1C exchange passwords) or a sealed copy (webhook signing secrets) is
stored, so the console can never show it again. The CRM connector owns hooks and
subscriptions: its stores are used here as they are, so the console and the REST
API rotate the same way.
Every change is written to the audit log in the change's own transaction, or right
after it where the connector's store commits on its own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select

from gateway.api.tokens import TOKEN_PREFIX
from gateway.console.audit import audit
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub, hash_token
from gateway.store.onec_passwords import OneCPassword, replace_password
from gateway.store.tables import ApiToken, CrmHook, WebhookSubscription

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Issued:
    """A new secret, for the one page that shows it."""

    what: str
    secret: str


def _audited(
    hub: Hub,
    actor: str,
    action: str,
    target: str,
    tenant_id: str | None,
    **details: Any,
) -> None:
    with hub.db.session() as session:
        audit(
            session,
            hub.clock,
            actor,
            action,
            target,
            tenant_id=tenant_id,
            details=details,
        )


# -- API tokens ----------------------------------------------------------------------


def tenant_tokens(hub: Hub, tenant_id: str) -> list[ApiToken]:
    with hub.db.session() as session:
        return list(
            session.execute(
                select(ApiToken)
                .where(ApiToken.tenant_id == tenant_id)
                .order_by(ApiToken.id)  # type: ignore[arg-type]
            ).scalars()
        )


def rotate_token(hub: Hub, token_id: int, tenant_id: str, *, actor: str) -> Issued:
    """A new token with the old one's name, role and tenant; the old one is revoked.

    Both happen in one transaction. The old secret stops at once (a leaked token
    is the usual reason to rotate), so the new one must reach the calling system
    right after the page shows it.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = hub.clock.now()
    with hub.db.session() as session:
        old = session.get(ApiToken, token_id)
        if old is None or old.tenant_id != tenant_id:
            raise NotFound(f"token {token_id} does not exist")
        if old.revoked_at is not None:
            raise ValidationFailed([f"токен {old.name} уже отозван"])
        old.revoked_at = now
        new = ApiToken(
            name=old.name,
            token_hash=hash_token(secret),
            role=old.role,
            tenant_id=old.tenant_id,
            created_at=now,
        )
        session.add(new)
        session.flush()
        audit(
            session,
            hub.clock,
            actor,
            "token.rotate",
            f"token:{token_id}",
            tenant_id=tenant_id,
            details={"name": old.name, "role": old.role, "new_token": new.id},
        )
    log.info("token_rotated", token_id=token_id, new_token_id=new.id, actor=actor)
    return Issued(f"API-токен «{old.name}» (роль {old.role})", secret)


# -- CRM hooks -----------------------------------------------------------------------


def tenant_hooks(hub: Hub, tenant_id: str) -> list[CrmHook]:
    with hub.db.session() as session:
        return list(
            session.execute(
                select(CrmHook)
                .where(CrmHook.tenant_id == tenant_id)
                .order_by(CrmHook.id)  # type: ignore[arg-type]
            ).scalars()
        )


def rotate_hook(hub: Hub, hook_id: int, tenant_id: str, *, actor: str) -> Issued:
    """A new secret path for the CRM hook; the old URL stops working at once."""
    from connectors.crm.hooks import HookStore

    with hub.db.session() as session:
        hook = session.get(CrmHook, hook_id)
    if hook is None or hook.tenant_id != tenant_id:
        raise NotFound(f"CRM hook {hook_id} does not exist")
    issued = HookStore(hub.db, hub.clock, hub.vault).rotate(hook_id)
    _audited(
        hub,
        actor,
        "crm.hook.rotate",
        f"crm_hook:{hook_id}",
        tenant_id,
        kind=issued.kind,
        name=issued.name,
    )
    return Issued(f"адрес хука {issued.kind} «{issued.name}»", issued.path)


# -- 1C exchange password ------------------------------------------------------------

ONEC_CHANNEL = "onec"


def onec_password(hub: Hub, tenant_id: str) -> OneCPassword | None:
    """The password issued in the console, if any (else config.yaml's holds)."""
    with hub.db.session() as session:
        return session.get(OneCPassword, tenant_id)


def rotate_onec_password(hub: Hub, tenant_id: str, *, actor: str) -> Issued:
    """A new random password for the tenant's 1C login, stored as a hash.

    It replaces config.yaml's password or the one issued before at once, on
    every node, and the exchange sessions opened with the old one end: 1C keeps
    failing until the new password is entered in its exchange node settings.
    """
    from connectors.onec.credentials import new_password, password_hash

    tenant = hub.settings.tenant(tenant_id)
    channel = tenant.channels.get(ONEC_CHANNEL) if tenant else None
    if channel is None or not channel.enabled or not channel.login:
        raise ValidationFailed(
            [
                "обмен с 1С для организации не настроен: "
                "задайте channels.onec в config.yaml"
            ]
        )
    login = channel.login.strip()
    password = new_password()
    with hub.db.session() as session:
        replace_password(
            session,
            tenant_id,
            password_hash(password),
            now=hub.clock.now(),
            actor=actor,
        )
        audit(
            session,
            hub.clock,
            actor,
            "onec.password.rotate",
            f"onec_login:{login}",
            tenant_id=tenant_id,
            details={"login": login},
        )
    log.info("onec_password_rotated", tenant=tenant_id, login=login, actor=actor)
    return Issued(f"пароль обмена с 1С для логина «{login}»", password)


# -- webhook subscriptions -----------------------------------------------------------


def event_types() -> tuple[str, ...]:
    from connectors.crm.events import EVENT_TYPES

    return tuple(EVENT_TYPES)


def _subscriptions(hub: Hub) -> Any:
    from connectors.crm.subscriptions import Subscriptions

    return Subscriptions(
        hub.db,
        hub.clock,
        allowed=hub.settings.outbox.allow_private_targets,
        vault=hub.vault,
    )


def tenant_subscriptions(hub: Hub, tenant_id: str) -> list[WebhookSubscription]:
    found: list[WebhookSubscription] = _subscriptions(hub).list(tenant_id)
    return found


def _owned(hub: Hub, subscription_id: int, tenant_id: str) -> WebhookSubscription:
    with hub.db.session() as session:
        found = session.get(WebhookSubscription, subscription_id)
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(f"webhook subscription {subscription_id} does not exist")
    return found


def add_subscription(
    hub: Hub,
    tenant_id: str,
    url: str,
    types: list[str],
    description: str | None,
    *,
    actor: str,
) -> Issued:
    """Register an endpoint; its address is checked against private ranges first."""
    made = _subscriptions(hub).create(tenant_id, url, types, description)
    _audited(
        hub,
        actor,
        "webhook.subscription.create",
        f"webhook_subscription:{made.id}",
        tenant_id,
        url=url,
        event_types=sorted(set(types)),
    )
    return Issued(f"секрет подписи для {url}", made.secret)


def rotate_subscription(
    hub: Hub, subscription_id: int, tenant_id: str, *, actor: str
) -> Issued:
    """A new signing secret; the old one keeps signing for a day alongside it."""
    _owned(hub, subscription_id, tenant_id)
    rotated = _subscriptions(hub).rotate(subscription_id)
    _audited(
        hub,
        actor,
        "webhook.subscription.rotate",
        f"webhook_subscription:{subscription_id}",
        tenant_id,
    )
    return Issued(f"новый секрет подписи для {rotated.url}", rotated.secret)


def set_subscription_disabled(
    hub: Hub, subscription_id: int, tenant_id: str, disabled: bool, *, actor: str
) -> None:
    """Stop or resume sending events to an endpoint."""
    _owned(hub, subscription_id, tenant_id)
    if not disabled:
        _subscriptions(hub).enable(subscription_id)
    else:
        with hub.db.session() as session:
            found = session.get(WebhookSubscription, subscription_id)
            assert found is not None
            found.disabled_at = hub.clock.now()
            found.disabled_reason = f"disabled in the console by {actor}"[:255]
            found.updated_at = hub.clock.now()
    _audited(
        hub,
        actor,
        "webhook.subscription.disable" if disabled else "webhook.subscription.enable",
        f"webhook_subscription:{subscription_id}",
        tenant_id,
    )
    log.info(
        "webhook_subscription_disabled" if disabled else "webhook_subscription_enabled",
        subscription_id=subscription_id,
        actor=actor,
    )
