"""A running ``komus-gateway serve`` picks up mapping edits and survives broken ones.

The REST channel is ``api``, so ``mappings/acme/api.yaml`` maps what acme posts to
``/api/v1/requisitions``. The tenants have no Komus token: nothing leaves loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.config import write_config
from tests.support.processes import start_gateway, stop
from tests.support.servers import free_port, wait_for_http, wait_until

from .conftest import edit, write

MAPPING = """\
inbound:
  header:
    number: {path: doc.number}
    comment: {template: "mapped by the first version"}
  lines:
    fields:
      quantity: {path: line.quantity, required: true}
      unit_code: {path: line.unit_code}
      article: {path: line.article}
"""
TYPO = MAPPING.replace("      quantity:", "      quantaty:")
TYPO_PROBLEM = (
    "mappings/acme/api.yaml:7:7: inbound.lines.fields.quantaty: not a requisition "
    "field (did you mean 'quantity'?)"
)
SECOND = MAPPING.replace("the first version", "the second version")


@dataclass
class Serving:
    api: httpx.Client
    mapping: Path
    log: Path

    def post(self, external_id: str) -> dict[str, Any]:
        """A requisition from acme; the message and requisition it became."""
        answer = self.api.post(
            "/requisitions",
            params={"tenant": "acme"},
            json={
                "external_id": external_id,
                "number": external_id,
                "lines": [{"article": "1000001", "quantity": "2", "unit_code": "796"}],
            },
        )
        assert answer.status_code == 201, answer.text
        intake = answer.json()
        message = self.api.get(f"/messages/{intake['message_id']}").json()
        requisition = self.api.get(f"/requisitions/{intake['requisition_id']}").json()
        return {"message": message, "requisition": requisition}

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("event") == name:
                found.append(entry)
        return found


@pytest.fixture
def serving(tmp_path: Path, sqlite_url: str) -> Iterator[Serving]:
    mapping = write(tmp_path / "mappings", "acme/api.yaml", MAPPING)
    config = write_config(
        tmp_path,
        sqlite_url,
        extra="mappings:\n  directory: mappings\n  reload_interval_seconds: 0.1\n",
    )
    port = free_port()
    log = tmp_path / "gateway.log"
    process = start_gateway("serve", config, log, "--port", str(port))
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": "Bearer test-admin-token"},
        timeout=30,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/live", timeout=60)
        yield Serving(api, mapping, log)
    finally:
        api.close()
        stop(process)


def test_a_broken_edit_is_logged_where_it_is_and_the_last_good_version_maps(
    serving: Serving,
):
    first = serving.post("ЗК-1")
    edit(serving.mapping, TYPO)
    wait_until(lambda: serving.events("mapping_reload_failed"), timeout=30)

    second = serving.post("ЗК-2")

    problems = [entry["problem"] for entry in serving.events("mapping_problem")]
    assert TYPO_PROBLEM in problems
    version = first["message"]["mapping_version"]
    assert version.startswith("acme/api.yaml@sha256:")
    assert second["message"]["mapping_version"] == version
    assert second["requisition"]["mapping_version"] == version
    assert second["requisition"]["comment"] == "mapped by the first version"
    (failed,) = serving.events("mapping_reload_failed")
    assert failed["serving"] == version


def test_the_fixed_file_maps_the_next_document_with_its_new_version(
    serving: Serving,
):
    first = serving.post("ЗК-1")
    edit(serving.mapping, TYPO)
    wait_until(lambda: serving.events("mapping_reload_failed"), timeout=30)
    edit(serving.mapping, SECOND)
    wait_until(lambda: len(serving.events("mapping_loaded")) == 2, timeout=30)

    third = serving.post("ЗК-3")

    assert third["message"]["mapping_version"].startswith("acme/api.yaml@sha256:")
    assert third["message"]["mapping_version"] != first["message"]["mapping_version"]
    assert third["requisition"]["comment"] == "mapped by the second version"
