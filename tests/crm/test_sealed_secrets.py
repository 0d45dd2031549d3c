"""CRM credentials are stored sealed, opened only to be used, resealed on rotation."""

from __future__ import annotations

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlmodel import SQLModel

from connectors.crm.connector import CrmConnector
from gateway.hub import Hub
from gateway.store.tables import CrmHook, WebhookSubscription
from gateway.vault import ENV, SecretKeyMissing, Vault, new_key
from tests.crm.conftest import ADMIN, loopback_resolver

AMO_SETTINGS = {
    "account_id": "10216991",
    "api_url": "https://example.amocrm.ru",
    "access_token": "long-lived-token-value",
}


def _stored_hooks(hub: Hub) -> list[CrmHook]:
    with hub.db.session() as session:
        return list(session.execute(select(CrmHook)).scalars())


def _stored_subscriptions(hub: Hub) -> list[WebhookSubscription]:
    with hub.db.session() as session:
        return list(session.execute(select(WebhookSubscription)).scalars())


def test_hook_token_is_stored_sealed_and_never_shown_back(gateway):
    gateway.hook("amocrm", AMO_SETTINGS)

    answer = httpx.get(f"{gateway.url}/api/v1/crm/hooks", headers=ADMIN)

    (stored,) = _stored_hooks(gateway.hub)
    assert stored.settings["access_token"].startswith("sealed:")
    assert "long-lived-token-value" not in str(stored.settings)
    assert stored.settings["account_id"] == "10216991"
    assert Vault.from_env().open_settings(stored.settings) == AMO_SETTINGS
    assert answer.json()[0]["settings"]["access_token"] == "(sealed)"
    assert "long-lived-token-value" not in answer.text


def test_subscription_secret_is_shown_once_and_stored_sealed(gateway):
    made = gateway.post(
        "/api/v1/webhooks/subscriptions",
        headers=ADMIN,
        json={"tenant_id": "acme", "url": "https://hooks.example.com/in"},
    )

    (stored,) = _stored_subscriptions(gateway.hub)
    shown = made.json()["secret"]
    assert shown.startswith("whsec_")
    assert stored.secret.startswith("sealed:") and shown not in stored.secret
    assert Vault.from_env().open(stored.secret) == shown


def test_replaced_settings_are_sealed_too(gateway):
    created = gateway.post(
        "/api/v1/crm/hooks",
        headers=ADMIN,
        json={"kind": "pipedrive", "name": "pd", "tenant_id": "acme"},
    ).json()

    answer = httpx.put(
        f"{gateway.url}/api/v1/crm/hooks/{created['id']}/settings",
        headers=ADMIN,
        json={"settings": {"username": "pd", "password": "renewed-password"}},
    )

    (stored,) = _stored_hooks(gateway.hub)
    assert answer.status_code == 200
    assert answer.json()["settings"] == {"username": "pd", "password": "(sealed)"}
    assert stored.settings["password"].startswith("sealed:")


def test_start_without_key_is_refused_when_credentials_are_stored(
    hub, monkeypatch: pytest.MonkeyPatch
):
    CrmConnector(resolver=loopback_resolver).install(hub)
    with hub.db.session() as session:
        session.add(
            CrmHook(
                tenant_id="acme",
                kind="amocrm",
                name="old",
                secret_hash="0" * 64,
                settings=AMO_SETTINGS,
            )
        )
    monkeypatch.delenv(ENV)

    with pytest.raises(SecretKeyMissing) as refused:
        CrmConnector(resolver=loopback_resolver).install(hub)

    assert ENV in str(refused.value) and "1 CRM hooks" in str(refused.value)


def test_start_without_key_and_nothing_stored_only_warns(
    hub, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(ENV)
    connector = CrmConnector(resolver=loopback_resolver)

    connector.install(hub)

    assert connector.subscriptions is not None
    with pytest.raises(SecretKeyMissing):
        connector.subscriptions.create("acme", "https://hooks.example.com/in", [])


def test_plain_credentials_from_before_are_sealed_on_start(hub, secret_key):
    with hub.db.session() as session:
        session.add(
            CrmHook(
                tenant_id="acme",
                kind="amocrm",
                name="old",
                secret_hash="1" * 64,
                settings=AMO_SETTINGS,
            )
        )

    CrmConnector(resolver=loopback_resolver).install(hub)

    (stored,) = _stored_hooks(hub)
    assert stored.settings["access_token"].startswith("sealed:")
    assert Vault([secret_key]).open_settings(stored.settings) == AMO_SETTINGS


def test_rotated_key_reseals_everything_so_the_old_key_can_go(
    hub, secret_key, monkeypatch: pytest.MonkeyPatch
):
    first = CrmConnector(resolver=loopback_resolver)
    first.install(hub)
    assert first.subscriptions is not None
    secret = first.subscriptions.create(
        "acme", "https://hooks.example.com/in", []
    ).secret
    with hub.db.session() as session:
        session.add(
            CrmHook(
                tenant_id="acme",
                kind="amocrm",
                name="amo",
                secret_hash="2" * 64,
                settings=Vault([secret_key]).seal_settings(AMO_SETTINGS),
            )
        )
    rotated = new_key()
    monkeypatch.setenv(ENV, f"{rotated} {secret_key}")

    CrmConnector(resolver=loopback_resolver).install(hub)

    only_new = Vault([rotated])
    (hook,) = _stored_hooks(hub)
    (subscription,) = _stored_subscriptions(hub)
    assert only_new.open_settings(hook.settings) == AMO_SETTINGS
    assert only_new.open(subscription.secret) == secret


def test_migrated_schema_of_the_changed_tables_matches_the_models(hub):
    with hub.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    changed = ("crm_inbox", "webhook_subscriptions")
    assert [d for d in differences if any(t in repr(d) for t in changed)] == []
