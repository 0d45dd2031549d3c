"""Deliveries over HTTP: listing, attempts, and the operator's retry and replay."""

from __future__ import annotations

from sqlalchemy import select

from gateway.outbox import STATES
from gateway.store.tables import Attempt, AuditEntry
from tests.api.builders import add_delivery
from tests.api.harness import Api


def audit_of(api: Api, action: str) -> list[AuditEntry]:
    with api.hub.db.session() as session:
        return list(
            session.execute(
                select(AuditEntry).where(AuditEntry.action == action)
            ).scalars()
        )


def test_retry_makes_a_dead_delivery_pending_and_is_audited(api: Api) -> None:
    delivery_id = add_delivery(api.hub, "acme", state="dead", attempts=4)
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/deliveries/{delivery_id}/retry")

    assert answer.status_code == 200
    retried = answer.json()
    assert (retried["id"], retried["state"]) == (delivery_id, "pending")
    assert retried["max_attempts"] == 5
    [entry] = audit_of(api, "delivery.retry")
    assert entry.target == f"delivery:{delivery_id}"
    assert "integrator of acme" in entry.actor


def test_replay_queues_a_new_delivery_and_is_audited(api: Api) -> None:
    delivery_id = add_delivery(api.hub, "acme", state="delivered", attempts=1)
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/deliveries/{delivery_id}/replay")

    assert answer.status_code == 201
    copy = answer.json()
    assert copy["id"] != delivery_id
    assert (copy["state"], copy["replay_of"], copy["attempts"]) == (
        "pending",
        delivery_id,
        0,
    )
    original = integrator.get(f"/deliveries/{delivery_id}").json()
    assert original["state"] == "delivered"
    [entry] = audit_of(api, "delivery.replay")
    assert entry.details == {"replay_id": copy["id"]}


def test_retrying_a_delivered_delivery_is_409(api: Api) -> None:
    delivery_id = add_delivery(api.hub, "acme", state="delivered", attempts=1)
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/deliveries/{delivery_id}/retry")

    assert answer.status_code == 409
    assert "replay" in answer.json()["error"]["message"]
    assert audit_of(api, "delivery.retry") == []


def test_retrying_another_tenants_delivery_is_404(api: Api) -> None:
    delivery_id = add_delivery(api.hub, "globex", state="dead")
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/deliveries/{delivery_id}/retry")

    assert answer.status_code == 404
    assert audit_of(api, "delivery.retry") == []


def test_delivery_detail_lists_its_attempts(api: Api) -> None:
    delivery_id = add_delivery(api.hub, "acme", state="dead", attempts=2)
    with api.hub.db.session() as session:
        for number in (1, 2):
            session.add(
                Attempt(
                    delivery_id=delivery_id,
                    number=number,
                    outcome="failed",
                    status_code=503,
                    error="503 Service Unavailable",
                )
            )
    viewer = api.as_("viewer", "acme")

    detail = viewer.get(f"/deliveries/{delivery_id}").json()

    assert [a["number"] for a in detail["attempt_history"]] == [1, 2]
    assert detail["attempt_history"][0]["status_code"] == 503
    assert "payload" not in detail and "headers" not in detail


def test_deliveries_filter_by_state(api: Api) -> None:
    dead = add_delivery(api.hub, "acme", state="dead")
    add_delivery(api.hub, "acme", state="delivered")
    viewer = api.as_("viewer", "acme")

    answer = viewer.get("/deliveries", params={"state": "dead"}).json()

    assert [d["id"] for d in answer["items"]] == [dead]


def test_unknown_state_is_422_naming_the_states(api: Api) -> None:
    viewer = api.as_("viewer", "acme")

    answer = viewer.get("/deliveries", params={"state": "failed"})

    message = answer.json()["error"]["message"]
    assert answer.status_code == 422
    assert all(f"'{state}'" in message for state in STATES)
