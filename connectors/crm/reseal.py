"""On start: refuse to run without the key the stored credentials need, and bring
every stored credential under the current key.

Values written before sealing existed, and values sealed with a key that is no
longer first in ``GATEWAY_SECRET_KEY``, are sealed again with the first key. So a
key rotation is: put the new key first, keep the old one behind it, restart once,
then drop the old key.
"""

from __future__ import annotations

import structlog
from sqlalchemy import select

from gateway.store.database import Database
from gateway.store.tables import CrmHook, WebhookSubscription
from gateway.vault import ENV, SecretKeyMissing, Vault, is_sealed, plain_secrets

log = structlog.get_logger(__name__)


def stored_credentials(db: Database) -> int:
    """How many hooks and subscriptions hold a credential, sealed or not."""
    with db.session() as session:
        hooks = session.execute(select(CrmHook.settings)).scalars().all()
        subscriptions = session.execute(select(WebhookSubscription.id)).all()
    with_secrets = sum(
        1
        for settings in hooks
        if plain_secrets(settings or {})
        or any(is_sealed(v) for v in (settings or {}).values())
    )
    return with_secrets + len(subscriptions)


def require_key(db: Database, vault: Vault) -> None:
    if vault.ready:
        return
    count = stored_credentials(db)
    if count:
        raise SecretKeyMissing(
            f"{ENV} is not set, but {count} CRM hooks and webhook subscriptions keep "
            f"credentials in the database; set {ENV} to the key they were sealed "
            "with (or to a new Fernet key when none were sealed yet) and start again"
        )
    log.warning(
        "crm_secret_key_missing",
        next_step=f"set {ENV} before creating CRM hooks or webhook subscriptions",
    )


def reseal(db: Database, vault: Vault) -> int:
    """Seal with the first key whatever is plain or sealed with another; a count."""
    changed = 0
    with db.session() as session:
        for hook in session.execute(select(CrmHook)).scalars():
            settings = vault.reseal_settings(hook.settings or {})
            if settings is not None:
                hook.settings = settings
                changed += 1
        for subscription in session.execute(select(WebhookSubscription)).scalars():
            touched = False
            if not vault.is_current(subscription.secret):
                subscription.secret = vault.reseal(subscription.secret)
                touched = True
            previous = subscription.previous_secret
            if previous and not vault.is_current(previous):
                subscription.previous_secret = vault.reseal(previous)
                touched = True
            changed += touched
    if changed:
        log.info("crm_secrets_resealed", rows=changed)
    return changed
