"""Integrators set a company's users' notifications over REST, within their tenant."""

from __future__ import annotations

import httpx

from gateway.console.users import create_user
from tests.cabinet_claims.harness import PASSWORD, Cabinet


def _integrator(cabinet: Cabinet, tenant: str = "acme") -> httpx.Client:
    return httpx.Client(
        base_url=f"{cabinet.url}/api/v1/notifications",
        headers={"Authorization": f"Bearer {cabinet.token(tenant, 'integrator')}"},
        timeout=30,
    )


def test_integrator_sets_and_reads_a_users_preferences(cabinet: Cabinet):
    create_user(cabinet.hub, "anna", PASSWORD, "manager", "acme", actor="test")

    with _integrator(cabinet) as api:
        kinds = api.get("/kinds").json()
        saved = api.put(
            "/preferences/anna",
            json={
                "email": "anna@acme.test",
                "modes": {"price": "digest", "claim": "immediate"},
                "price_threshold_percent": "2.5",
            },
        )
        listed = api.get("/preferences").json()

    assert {k["kind"] for k in kinds["kinds"]} >= {"price", "promotion", "claim"}
    assert kinds["modes"] == ["off", "immediate", "digest"]
    assert saved.status_code == 200, saved.text
    assert saved.json()["modes"]["price"] == "digest"
    assert saved.json()["modes"]["shipment"] == "off"
    assert [p["login"] for p in listed] == ["anna"]
    assert listed[0]["price_threshold_percent"] == "2.50"


def test_another_tenants_user_is_not_found_and_bad_values_are_named(cabinet: Cabinet):
    create_user(cabinet.hub, "gleb", PASSWORD, "manager", "globex", actor="test")
    create_user(cabinet.hub, "anna", PASSWORD, "manager", "acme", actor="test")

    with _integrator(cabinet) as api:
        theirs = api.put("/preferences/gleb", json={"email": "gleb@globex.test"})
        wrong = api.put(
            "/preferences/anna",
            json={"email": "anna", "modes": {"price": "hourly", "weather": "digest"}},
        )

    assert theirs.status_code == 404
    assert wrong.status_code == 422
    reasons = wrong.json()["error"]["details"]["reasons"]
    assert "e-mail 'anna' is not an address like name@example.ru" in reasons
    assert "unknown kinds of news ['weather']" in reasons
    assert "mode for ['price']: one of off, immediate, digest" in reasons
