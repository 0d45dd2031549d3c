"""Admins make and revoke API tokens; a token's secret is shown only once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from gateway.clock import ManualClock
from gateway.hub import hash_token
from gateway.store.tables import ApiToken, AuditEntry
from tests.api.harness import JSON, Api


def audit_actions(api: Api, target: str) -> list[str]:
    with api.hub.db.session() as session:
        return list(
            session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.target == target)
                .order_by(AuditEntry.id)
            ).scalars()
        )


def test_created_token_is_shown_once_and_works(api: Api) -> None:
    answer = api.admin.post(
        "/tokens", json={"name": "1C УТ", "role": "manager", "tenant_id": "acme"}
    )

    created = answer.json()
    assert answer.status_code == 201
    assert created["token"].startswith("kgw_")
    assert len(created["token"]) >= 4 + 43
    assert (created["role"], created["tenant_id"]) == ("manager", "acme")
    assert api.client(created["token"]).get("/orders").status_code == 200
    assert audit_actions(api, f"token:{created['id']}") == ["token.create"]


def test_token_list_holds_no_secrets(api: Api) -> None:
    secret = api.token("viewer", "acme")

    listing = api.admin.get("/tokens")

    assert listing.status_code == 200
    assert {"name", "role", "tenant_id", "last_used_at"} <= set(listing.json()[0])
    assert secret not in listing.text
    assert hash_token(secret) not in listing.text
    assert all("token" not in entry for entry in listing.json())


def test_revoked_token_is_refused_and_the_revocation_audited(api: Api) -> None:
    created = api.admin.post(
        "/tokens", json={"name": "old CRM", "role": "integrator", "tenant_id": None}
    ).json()
    client = api.client(created["token"])
    assert client.get("/orders").status_code == 200

    revoked = api.admin.delete(f"/tokens/{created['id']}")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = client.get("/orders")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert audit_actions(api, f"token:{created['id']}") == [
        "token.create",
        "token.revoke",
    ]


def test_only_admins_manage_tokens(api: Api) -> None:
    integrator = api.as_("integrator")

    listing = integrator.get("/tokens")
    creating = integrator.post("/tokens", json={"name": "x", "role": "admin"})

    assert listing.status_code == 403
    assert creating.status_code == 403


def test_admin_token_cannot_be_limited_to_one_tenant(api: Api) -> None:
    answer = api.admin.post(
        "/tokens", json={"name": "acme admin", "role": "admin", "tenant_id": "acme"}
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["reasons"] == [
        "an admin token cannot be limited to one tenant"
    ]


def test_unknown_role_is_422_with_its_location(api: Api) -> None:
    answer = api.admin.post("/tokens", json={"name": "x", "role": "owner"})

    assert answer.status_code == 422
    fields = answer.json()["error"]["details"]["fields"]
    assert fields[0]["location"] == ["body", "role"]


def test_a_name_with_a_nul_character_is_422_not_a_crash(api: Api) -> None:
    answer = api.admin.post("/tokens", json={"name": "erp\x00", "role": "viewer"})

    assert answer.status_code == 422, answer.text
    assert "NUL character" in answer.json()["error"]["message"]


def test_malformed_json_is_400_as_on_every_route(api: Api) -> None:
    answer = api.admin.post(
        "/tokens", content=b'{"name": "CRM",\n "role": }', headers=JSON
    )

    error = answer.json()["error"]
    assert answer.status_code == 400
    assert error["code"] == "malformed_json"
    assert error["message"] == (
        "the body is not valid JSON: Expecting value at line 2 column 10"
    )


def test_json_nested_too_deeply_to_read_is_400_malformed_json(api: Api) -> None:
    answer = api.admin.post("/tokens", content=b"[" * 100_000, headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed_json"


def last_used_at(api: Api, secret: str) -> datetime | None:
    with api.hub.db.session() as session:
        return session.execute(
            select(ApiToken.last_used_at).where(
                ApiToken.token_hash == hash_token(secret)
            )
        ).scalar_one()


def test_last_used_at_is_written_at_most_once_a_minute(api: Api) -> None:
    secret = api.token("viewer", "globex")
    client = api.client(secret)
    clock = ManualClock(datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC))
    api.hub.clock = clock

    client.get("/orders")
    first = last_used_at(api, secret)
    clock.advance(59)
    client.get("/orders")
    within_the_minute = last_used_at(api, secret)
    clock.advance(1)
    client.get("/orders")
    a_minute_later = last_used_at(api, secret)

    assert first == datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
    assert within_the_minute == first
    assert a_minute_later == datetime(2026, 3, 2, 10, 1, 0, tzinfo=UTC)
