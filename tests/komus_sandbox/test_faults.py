"""Injected faults: server errors, 429s, latency, and answers that never come."""

from __future__ import annotations

import httpx
import pytest

from tests.komus_sandbox.conftest import Sandbox, in_stock, place, row


def _faults(sandbox: Sandbox, **plan: object) -> dict:
    with sandbox.admin() as admin:
        return admin.post("/faults", json=plan).json()


def test_error_rate_answers_with_komus_style_server_errors(sandbox: Sandbox):
    _faults(sandbox, error_rate=1.0)

    with sandbox.komus() as komus:
        responses = [komus.get("/shipdata/") for _ in range(20)]

    assert {r.status_code for r in responses} == {500, 503}
    assert all(set(r.json()) == {"status", "message"} for r in responses)
    assert sandbox.stats()["faultsInjected"]["error"] == 20


def test_failed_create_creates_nothing(sandbox: Sandbox, komus: httpx.Client):
    _faults(sandbox, error_rate=1.0, path_prefix="/orders", method="POST")

    response = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0]))

    assert response.status_code in (500, 503)
    assert sandbox.stats()["ordersCreated"] == 0


def test_throttle_answers_429_without_blocking(sandbox: Sandbox, komus: httpx.Client):
    _faults(sandbox, throttle_rate=1.0, retry_after_seconds=3, count=1)

    throttled = komus.get("/elements")
    after = komus.get("/elements")

    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "3"
    assert after.status_code == 200
    assert sandbox.stats()["blocked"] == {}


def test_count_limits_how_many_answers_fail(sandbox: Sandbox, komus: httpx.Client):
    _faults(sandbox, error_rate=1.0, count=2)

    statuses = [komus.get("/shipdata/").status_code for _ in range(4)]

    assert statuses[2:] == [200, 200] and 200 not in statuses[:2]


def test_faults_only_hit_the_chosen_path(sandbox: Sandbox, komus: httpx.Client):
    _faults(sandbox, error_rate=1.0, path_prefix="/orders")

    assert komus.get("/shipdata/").status_code == 200
    assert komus.get("/orders").status_code in (500, 503)


def test_empty_plan_switches_faults_off(sandbox: Sandbox, komus: httpx.Client):
    _faults(sandbox, error_rate=1.0)

    plan = _faults(sandbox)

    assert plan["error_rate"] == 0 and komus.get("/shipdata/").status_code == 200


def test_latency_delays_the_answer(sandbox: Sandbox):
    _faults(sandbox, latency_ms=400)

    with sandbox.komus(timeout=0.1) as komus, pytest.raises(httpx.ReadTimeout):
        komus.get("/shipdata/")


def test_timed_out_create_still_creates_the_order_once(
    sandbox: Sandbox, komus: httpx.Client
):
    article = in_stock(sandbox.catalog)[0]
    _faults(
        sandbox,
        timeout_rate=1.0,
        timeout_seconds=30,
        path_prefix="/orders",
        method="POST",
        count=1,
    )

    with sandbox.komus(timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
        place(impatient, "REQ-1", row(article))
    found = komus.get("/orders", params={"externalId": "REQ-1"}).json()
    again = place(komus, "REQ-1", row(article))

    assert found["count"] == 1
    assert again.status_code == 200 and again.json()["id"] == found["content"][0]["id"]
    assert sandbox.stats()["ordersCreated"] == 1


def test_held_answer_arrives_to_a_patient_client(sandbox: Sandbox):
    _faults(sandbox, timeout_rate=1.0, timeout_seconds=0.3, count=1)

    with sandbox.komus(timeout=5) as patient:
        response = patient.get("/shipdata/")

    assert response.status_code == 200


def test_faults_can_come_from_settings(start_sandbox):
    sandbox = start_sandbox(faults={"error_rate": 1.0, "seed": 3})

    with sandbox.komus() as komus:
        response = komus.get("/elements")

    assert response.status_code in (500, 503)


def test_reset_forgets_orders_faults_and_blocks(sandbox: Sandbox, komus: httpx.Client):
    place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0]))
    _faults(sandbox, error_rate=1.0)

    with sandbox.admin() as admin:
        admin.post("/reset")

    assert komus.get("/orders").json()["count"] == 0
    assert sandbox.stats()["ordersCreated"] == 0
