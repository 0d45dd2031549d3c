"""Hooks and webhook subscriptions: a tenant's token makes its own, text is storable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.store.tables import CrmHook, WebhookSubscription
from tests.crm.conftest import ADMIN, Gateway


def _token(gateway: Gateway, tenant: str) -> dict[str, str]:
    made = gateway.post(
        "/api/v1/tokens",
        headers=ADMIN,
        json={
            "name": f"{tenant}-integrator",
            "role": "integrator",
            "tenant_id": tenant,
        },
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/webhooks/subscriptions",
            {"url": "https://hooks.example.com/in", "event_types": []},
        ),
        ("/api/v1/crm/hooks", {"kind": "generic", "name": "portal"}),
    ],
)
def test_naming_another_tenant_is_refused_not_rewritten(gateway: Gateway, path, body):
    acme = _token(gateway, "acme")

    foreign = gateway.post(path, headers=acme, json={**body, "tenant_id": "globex"})
    own = gateway.post(path, headers=acme, json=body)

    assert foreign.status_code == 403, foreign.text
    assert "limited to tenant 'acme'" in foreign.json()["error"]["message"]
    assert own.status_code == 201, own.text
    with gateway.hub.db.session() as session:
        tenants = list(session.execute(select(WebhookSubscription.tenant_id)).scalars())
        tenants += list(session.execute(select(CrmHook.tenant_id)).scalars())
    assert tenants == ["acme"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/webhooks/subscriptions",
            {"url": "https://hooks.example.com/in", "description": "CRM\x00"},
        ),
        ("/api/v1/crm/hooks", {"kind": "generic", "name": "portal\x00"}),
    ],
)
def test_a_nul_character_is_refused_before_the_store(gateway: Gateway, path, body):
    answer = gateway.post(path, headers=ADMIN, json={**body, "tenant_id": "acme"})

    assert answer.status_code == 422, answer.text
    assert "NUL character" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not an http(s) URL"),
        ("http://internal.example.com/in", "private or reserved"),
        ("http://metadata.example.com/latest", "private or reserved"),
    ],
)
def test_a_target_the_guard_refuses_is_422_with_the_reason(
    gateway: Gateway, url: str, words: str
):
    answer = gateway.post(
        "/api/v1/webhooks/subscriptions",
        headers=ADMIN,
        json={"tenant_id": "acme", "url": url},
    )

    assert answer.status_code == 422, answer.text
    assert words in answer.json()["error"]["message"]
