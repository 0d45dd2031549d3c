"""The import benchmark's exchange on a small generated file: what it must get right.

``bench/onec_import.py`` measures a 200 MB file; here the same generator and the
same 1C client run a few megabytes through the gateway over HTTP, so the code
path the figures come from is checked for correctness (never for speed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from bench.onec_import import exchange, generate, order_id, prepare_mappings
from gateway.store.payloads import INLINE_BYTES, is_chunked
from gateway.store.tables import Message, Requisition, RequisitionLine
from tests.onec.harness import count, messages, requisitions

SIZE_MB = 3


@pytest.fixture
def onec_options(tmp_path: Path) -> dict:
    return {"mappings": prepare_mappings(tmp_path / "mappings"), "import_seconds": 1}


@pytest.fixture
def orders_file(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    path = tmp_path / "orders.xml"
    return path, generate(path, "windows-1251", SIZE_MB)


def test_every_order_of_a_generated_file_becomes_one_requisition(
    gateway, gateway_url, orders_file
):
    path, shape = orders_file

    figures = exchange(gateway_url, path)

    assert figures.last_answer == "success"
    expected = {order_id(n) for n in range(1, shape["documents"] + 1)}
    found = requisitions(gateway)
    assert set(found) == expected
    assert count(gateway, Requisition) == shape["documents"]
    assert {r.state for r in found.values()} == {"received"}
    assert count(gateway, RequisitionLine) == shape["lines"]
    assert len(messages(gateway, kind="requisition")) == shape["documents"]


def test_the_file_is_kept_in_chunks_and_downloads_byte_for_byte(
    gateway, gateway_url, orders_file
):
    path, _ = orders_file
    exchange(gateway_url, path)

    (file,) = messages(gateway, kind="onec.file")
    response = httpx.get(
        f"{gateway_url}/api/v1/messages/{file.id}/payload",
        headers={"Authorization": "Bearer test-admin-token"},
        timeout=60,
    )

    data = path.read_bytes()
    assert len(data) > INLINE_BYTES and is_chunked(file)
    assert file.payload == b""
    assert file.size == len(data)
    assert file.checksum == hashlib.sha256(data).hexdigest()
    assert response.status_code == 200
    assert response.content == data


def test_a_chunked_file_replays_into_duplicates_only(gateway, gateway_url, orders_file):
    path, shape = orders_file
    exchange(gateway_url, path)
    (file,) = messages(gateway, kind="onec.file")

    intakes = gateway.pipeline.replay_message(file.id, actor="integrator")

    assert len(intakes) == shape["documents"]
    assert {i.outcome for i in intakes} == {"duplicate"}
    assert count(gateway, Requisition) == shape["documents"]


def test_the_same_file_sent_again_creates_nothing_new(
    gateway, gateway_url, orders_file
):
    path, shape = orders_file
    exchange(gateway_url, path)

    again = exchange(gateway_url, path)

    assert again.last_answer == "success"
    assert count(gateway, Requisition) == shape["documents"]
    assert count(gateway, Message, Message.kind == "onec.file") == 2
