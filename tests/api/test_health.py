"""Liveness, readiness and metrics: open endpoints an orchestrator probes."""

from __future__ import annotations

import httpx

from gateway.scheduler import Scheduler
from tests.api.harness import Api


def test_live_passes_without_a_token(api: Api) -> None:
    answer = httpx.get(f"{api.url}/health/live")

    assert answer.status_code == 200
    assert answer.json() == {"status": "pass"}


def test_ready_passes_with_database_schema_and_running_scheduler(api: Api) -> None:
    api.hub.scheduler = Scheduler(api.hub.db, api.hub.settings.scheduler)
    api.hub.scheduler.start()

    answer = httpx.get(f"{api.url}/health/ready")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/health+json"
    body = answer.json()
    assert body["status"] == "pass"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "pass",
        "migrations": "pass",
        "scheduler": "pass",
    }


def test_ready_fails_with_503_when_the_enabled_scheduler_is_missing(api: Api) -> None:
    api.hub.scheduler = None

    answer = httpx.get(f"{api.url}/health/ready")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "fail"
    assert body["checks"]["scheduler"] == {
        "status": "fail",
        "output": "the scheduler is enabled but not running",
    }
    assert body["checks"]["database"]["status"] == "pass"


def test_ready_passes_when_the_scheduler_is_not_required(api: Api) -> None:
    api.hub.settings.scheduler.enabled = False

    answer = httpx.get(f"{api.url}/health/ready")

    assert answer.status_code == 200
    scheduler = answer.json()["checks"]["scheduler"]
    assert scheduler == {"status": "pass", "observedValue": "not required"}


def test_metrics_show_the_outbox_in_prometheus_text(api: Api) -> None:
    answer = httpx.get(f"{api.url}/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'gateway_deliveries{state="dead"}' in answer.text
    assert "gateway_outbox_oldest_pending_age_seconds" in answer.text
