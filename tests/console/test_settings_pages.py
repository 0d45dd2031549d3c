"""Settings page: requisites, addresses, credentials and webhooks, per tenant."""

from __future__ import annotations

import re

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from gateway.config import load_settings
from gateway.hub import Hub, hash_token
from gateway.store.tables import (
    ApiToken,
    AuditEntry,
    CrmHook,
    Requisition,
    Tenant,
    WebhookSubscription,
)

PAGE = "/console/settings/acme"
GOOD_INN = "7736207543"
"""A real company's ИНН, check digit valid."""
SHOWN = re.compile(r'<pre class="excerpt">([^<]+)</pre>')


@pytest.fixture(autouse=True)
def secret_key(monkeypatch):
    """CRM credentials are sealed at rest, so a key must be configured."""
    monkeypatch.setenv("GATEWAY_SECRET_KEY", Fernet.generate_key().decode())


def _actions(gateway) -> list[str]:
    with gateway.db.session() as session:
        return list(session.execute(select(AuditEntry.action)).scalars())


def _post_requisition(url: str, token: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/requisitions?tenant=acme",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


def _state_of(gateway, external_id: str) -> str:
    with gateway.db.session() as session:
        return session.execute(
            select(Requisition.state).where(Requisition.external_id == external_id)
        ).scalar_one()


def test_requisites_take_effect_at_once_and_survive_a_restart(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.submit(
        PAGE,
        f"{PAGE}/requisites",
        legal_name='ООО "Акме Трейд"',
        inn=GOOD_INN,
        kpp="773601002",
    )

    assert answer.status_code == 303
    assert gateway.settings.tenant("acme").inn == GOOD_INN
    with gateway.db.session() as session:
        assert session.get(Tenant, "acme").legal_name == 'ООО "Акме Трейд"'
    restarted = Hub(load_settings(gateway.settings.source))
    restarted.prepare()
    try:
        assert restarted.settings.tenant("acme").kpp == "773601002"
        assert restarted.settings.tenant("globex").kpp == "773601001"
    finally:
        restarted.stop()
    assert "tenant.requisites.set" in _actions(gateway)


def test_a_wrong_inn_or_kpp_is_refused_with_its_reason(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.submit(
        PAGE, f"{PAGE}/requisites", legal_name="ООО", inn="7707083894", kpp="77360"
    )

    assert answer.status_code == 422
    assert "the last digit should be 3" in answer.text
    assert "a КПП has 9" in answer.text
    assert gateway.settings.tenant("acme").inn == "7707083893"
    assert "tenant.requisites.set" not in _actions(gateway)


def test_a_nul_in_the_name_or_an_address_is_refused_before_documents_break(
    gateway, browser
):
    admin = browser("root", "admin")

    named = admin.submit(
        PAGE, f"{PAGE}/requisites", legal_name="ООО\x00", inn=GOOD_INN, kpp="773601002"
    )
    addressed = admin.submit(
        PAGE, f"{PAGE}/addresses", code="WH-3", address="Москва\x00, Складская ул."
    )

    assert named.status_code == 422
    assert addressed.status_code == 422
    assert "управляющий символ" in named.text
    assert "управляющий символ" in addressed.text
    assert gateway.settings.tenant("acme").legal_name != "ООО\x00"
    codes = [a.code for a in gateway.settings.tenant("acme").delivery_addresses]
    assert "WH-3" not in codes


def test_a_new_default_address_is_used_and_a_disabled_one_holds_requisitions(
    gateway, browser, console_url
):
    admin = browser("root", "admin")

    added = admin.submit(
        PAGE,
        f"{PAGE}/addresses",
        code="WH-2",
        address="Москва, Складская ул., 7",
        komus_address_id="K-77",
        default="on",
    )
    disabled = admin.submit(PAGE, f"{PAGE}/addresses/MAIN/disable")
    _post_requisition(
        console_url,
        "test-admin-token",
        {
            "external_id": "ADDR-1",
            "delivery_address_code": "MAIN",
            "lines": [{"article": "192678", "quantity": "1"}],
        },
    )
    _post_requisition(
        console_url,
        "test-admin-token",
        {"external_id": "ADDR-2", "lines": [{"article": "192678", "quantity": "1"}]},
    )

    assert added.status_code == 303 and disabled.status_code == 303
    addresses = gateway.settings.tenant("acme").delivery_addresses
    assert [(a.code, a.default, a.komus_address_id) for a in addresses] == [
        ("WH-2", True, "K-77")
    ]
    assert _state_of(gateway, "ADDR-1") == "held"
    assert _state_of(gateway, "ADDR-2") == "received"
    enabled = admin.submit(PAGE, f"{PAGE}/addresses/MAIN/enable")
    assert enabled.status_code == 303
    codes = [a.code for a in gateway.settings.tenant("acme").delivery_addresses]
    assert codes == ["MAIN", "WH-2"]
    assert {"tenant.address.save", "tenant.address.disable"} <= set(_actions(gateway))


def test_a_rotated_api_token_is_shown_once_and_the_old_one_stops(
    gateway, browser, console_url
):
    with gateway.db.session() as session:
        session.add(
            ApiToken(
                name="erp",
                token_hash=hash_token("kgw_old-secret"),
                role="manager",
                tenant_id="acme",
            )
        )
    with gateway.db.session() as session:
        token_id = session.execute(select(ApiToken.id).where(ApiToken.name == "erp"))
        token_id = token_id.scalar_one()
    admin = browser("root", "admin")

    answer = admin.submit(PAGE, f"{PAGE}/tokens/{token_id}/rotate")

    assert answer.status_code == 200
    secret = SHOWN.search(answer.text).group(1)
    assert secret.startswith("kgw_")
    assert secret not in admin.get(PAGE).text
    orders = f"{console_url}/api/v1/orders"
    new = httpx.get(orders, headers={"Authorization": f"Bearer {secret}"})
    old = httpx.get(orders, headers={"Authorization": "Bearer kgw_old-secret"})
    assert new.status_code == 200 and old.status_code == 401
    assert "token.rotate" in _actions(gateway)


def test_a_crm_hook_gets_a_new_address_shown_once(gateway, browser):
    from connectors.crm.hooks import HookStore, secret_hash
    from gateway.vault import Vault

    issued = HookStore(gateway.db, gateway.clock, Vault.from_env()).create(
        "acme", "bitrix24", "portal", {}
    )
    admin = browser("root", "admin")

    answer = admin.submit(PAGE, f"{PAGE}/hooks/{issued.id}/rotate")

    path = SHOWN.search(answer.text).group(1)
    assert path.startswith("/hooks/acme/bitrix24/") and path != issued.path
    with gateway.db.session() as session:
        hook = session.get(CrmHook, issued.id)
    assert hook.secret_hash == secret_hash(path.rsplit("/", 1)[1])
    assert "crm.hook.rotate" in _actions(gateway)


def test_a_webhook_to_a_private_address_is_refused(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.submit(
        PAGE, f"{PAGE}/webhooks", url="http://169.254.169.254/latest/meta-data"
    )

    assert answer.status_code == 422
    assert "169.254.169.254" in answer.text
    with gateway.db.session() as session:
        assert session.execute(select(WebhookSubscription)).first() is None


def test_a_webhook_is_added_disabled_enabled_and_its_secret_rotated(gateway, browser):
    admin = browser("root", "admin")

    added = admin.submit(
        PAGE,
        f"{PAGE}/webhooks",
        url="https://93.184.216.34/komus-events",
        event_types="order.confirmed",
        description="ERP",
    )
    first = SHOWN.search(added.text).group(1)
    with gateway.db.session() as session:
        subscription_id = session.execute(select(WebhookSubscription.id)).scalar_one()
    disabled = admin.submit(PAGE, f"{PAGE}/webhooks/{subscription_id}/disable")
    with gateway.db.session() as session:
        stopped = session.get(WebhookSubscription, subscription_id).disabled_at
    enabled = admin.submit(PAGE, f"{PAGE}/webhooks/{subscription_id}/enable")
    rotated = admin.submit(PAGE, f"{PAGE}/webhooks/{subscription_id}/rotate")
    second = SHOWN.search(rotated.text).group(1)

    assert first.startswith("whsec_") and second.startswith("whsec_")
    assert first != second
    assert disabled.status_code == 303 and stopped is not None
    assert enabled.status_code == 303
    with gateway.db.session() as session:
        found = session.get(WebhookSubscription, subscription_id)
    assert found.disabled_at is None and found.event_types == ["order.confirmed"]
    assert first not in found.secret and second not in found.secret
    assert {
        "webhook.subscription.create",
        "webhook.subscription.disable",
        "webhook.subscription.enable",
        "webhook.subscription.rotate",
    } <= set(_actions(gateway))


def test_settings_are_for_admins_and_only_of_their_tenant(gateway, browser):
    integrator = browser("ivan", "integrator")
    globex_admin = browser("gadmin", "admin", "globex")

    seen = integrator.get(PAGE).status_code
    posted = integrator.submit(
        "/console/", f"{PAGE}/requisites", legal_name="X", inn=GOOD_INN, kpp=""
    )
    other = globex_admin.get(PAGE).status_code
    own = globex_admin.get("/console/settings").headers["location"]

    assert seen == 403 and posted.status_code == 403
    assert other == 404
    assert own == "/console/settings/globex"
    assert gateway.settings.tenant("acme").inn == "7707083893"


def test_every_settings_form_refuses_a_post_without_the_csrf_token(gateway, browser):
    admin = browser("root", "admin")
    forms = [
        f"{PAGE}/requisites",
        f"{PAGE}/addresses",
        f"{PAGE}/addresses/MAIN/disable",
        f"{PAGE}/addresses/MAIN/enable",
        f"{PAGE}/tokens/1/rotate",
        f"{PAGE}/hooks/1/rotate",
        f"{PAGE}/webhooks",
        f"{PAGE}/webhooks/1/rotate",
        f"{PAGE}/webhooks/1/disable",
        f"{PAGE}/webhooks/1/enable",
    ]

    answers = {path: admin.client.post(path, data={}).status_code for path in forms}

    assert answers == dict.fromkeys(forms, 403)
    assert [a.code for a in gateway.settings.tenant("acme").delivery_addresses] == [
        "MAIN"
    ]
