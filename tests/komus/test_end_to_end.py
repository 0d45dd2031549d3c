"""A requisition posted to a running gateway becomes one Komus order and follows it.

``komus-gateway serve`` runs as an operator starts it, with the built-in sandbox
beside it (``komus.sandbox: true``); the test speaks to both over loopback HTTP only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.komus.sandbox.catalog import generate_catalog
from gateway.config import load_settings
from tests.komus.harness import ACME_TOKEN, Sandbox, line, write_komus_config
from tests.support.processes import start_gateway, stop
from tests.support.servers import free_port, wait_for_http, wait_until

ADMIN_TOKEN = "test-admin-token"
TO_DELIVERED = 5 + 10 + 60 + 30 + 120 + 1440
"""Sandbox minutes from a new order to its delivery (reserve … deliver)."""


@dataclass
class Running:
    gateway: httpx.Client
    sandbox: Sandbox
    log: Path


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    sandbox_port, port = free_port(), free_port()
    config = write_komus_config(
        tmp_path,
        database_url,
        sandbox_port,
        komus={"sandbox": True, "poll_interval_seconds": 0.3},
        scheduler={"dispatch_interval_seconds": 0.2},
    )
    options = load_settings(config).komus.sandbox_options
    log = tmp_path / "gateway.log"
    process = start_gateway("serve", config, log, "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    gateway = httpx.Client(
        base_url=f"{url}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    )
    try:
        wait_for_http(f"{url}/health/live", timeout=60)
        catalog = generate_catalog(options.catalog_seed, options.articles)
        yield Running(
            gateway, Sandbox(f"http://127.0.0.1:{sandbox_port}", catalog), log
        )
    finally:
        gateway.close()
        stop(process)


def _post_requisition(running: Running) -> int:
    plain = running.sandbox.articles(2)
    answer = running.gateway.post(
        "/requisitions",
        params={"tenant": "acme"},
        json={
            "external_id": "ЗК-E2E",
            "revision": "1",
            "number": "E2E-1",
            "document_date": "2026-02-10",
            "lines": [line(plain[0], 2), line(plain[1], 1)],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["requisition_id"]


def _order_of(running: Running, requisition_id: int) -> int:
    def ordered() -> int | None:
        answer = running.gateway.get(f"/requisitions/{requisition_id}")
        return answer.json()["order_id"]

    return wait_until(ordered, timeout=60, interval=0.2)


def _order(running: Running, order_id: int) -> dict[str, Any]:
    answer = running.gateway.get(f"/orders/{order_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _file(running: Running, order_id: int, document: dict[str, Any]) -> bytes:
    (stored,) = document["files"]
    answer = running.gateway.get(
        f"/orders/{order_id}/documents/{document['id']}/files/{stored['id']}"
    )
    assert answer.status_code == 200, answer.text
    return answer.content


def test_a_posted_requisition_becomes_exactly_one_sandbox_order(running: Running):
    requisition_id = _post_requisition(running)

    order_id = _order_of(running, requisition_id)

    stats = running.sandbox.stats()
    assert stats["orders"] == {ACME_TOKEN: 1}
    assert stats["externalIdsUsedTwice"] == []
    order = _order(running, order_id)
    assert order["status"] == "submitted"
    assert order["komus_order_id"] is not None
    assert running.gateway.get("/orders").json()["total"] == 1


def test_the_order_follows_the_sandbox_clock_to_delivered_with_its_documents(
    running: Running,
):
    order_id = _order_of(running, _post_requisition(running))

    running.sandbox.advance(TO_DELIVERED)

    wait_until(
        lambda: _order(running, order_id)["status"] == "delivered",
        timeout=60,
        interval=0.3,
    )
    order = _order(running, order_id)
    path = [change["to_status"] for change in order["status_history"]]
    milestones = ["confirmed", "invoiced", "shipped", "delivered"]
    assert [status for status in path if status in milestones] == milestones
    documents = {document["kind"]: document for document in order["documents"]}
    invoice = documents["invoice"]
    assert invoice["files"][0]["content_type"] == "application/pdf"
    assert _file(running, order_id, invoice).startswith(b"%PDF")
    upd = _file(running, order_id, documents["upd"])
    assert upd.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Счет-фактура".encode("cp1251") in upd
