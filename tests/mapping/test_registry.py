"""The registry serves mappings, reloads edits, and keeps the last good version."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.onec.reader import read_orders
from gateway.config import TenantSettings, load_settings
from gateway.hub import Hub
from gateway.mapping import MappingRegistry, MappingUnavailable
from gateway.plain import PlainMapper
from gateway.store.tables import Message, Requisition
from tests.support.config import write_config

from .conftest import MAPPINGS, UT11_ORDERS, edit, write

MINIMAL = "inbound:\n  lines:\n    fields:\n      quantity: {path: line.qty}\n"


class Recorder:
    """Stands in for the registry's logger and keeps every event."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        def record(event: str, **fields: Any) -> None:
            self.events.append((level, event, fields))

        return record

    def named(self, event: str) -> list[dict[str, Any]]:
        return [fields for _, name, fields in self.events if name == event]


def test_a_tenant_file_is_found_for_its_channel(shipped: Path):
    registry = MappingRegistry(shipped, interval=0)

    mapping = registry.inbound("demo", "onec")

    assert mapping is not None
    assert mapping.version.startswith("demo/onec.yaml@sha256:")


def test_a_channel_without_a_file_has_no_mapping(shipped: Path):
    registry = MappingRegistry(shipped, interval=0)

    assert registry.inbound("demo", "api") is None


def test_a_shared_file_serves_tenants_without_their_own(workspace: Path):
    write(workspace, "shared/sap.yaml", MINIMAL)
    registry = MappingRegistry(workspace, interval=0)

    mapping = registry.inbound("acme", "sap")

    assert mapping is not None
    assert mapping.version.startswith("shared/sap.yaml@")


def test_an_edit_is_picked_up_with_a_new_version(workspace: Path):
    path = write(workspace, "demo/onec.yaml", MINIMAL)
    registry = MappingRegistry(workspace, interval=0)
    before = registry.inbound("demo", "onec")
    edit(path, MINIMAL + "  header:\n    number: {path: doc.id}\n")

    changed = registry.refresh()

    after = registry.inbound("demo", "onec")
    assert changed
    assert before is not None and after is not None
    assert after.version != before.version
    assert [name for name, _ in after.header] == ["number"]


def test_a_broken_edit_is_logged_and_the_last_good_version_serves(workspace: Path):
    path = write(workspace, "demo/onec.yaml", MINIMAL)
    recorder = Recorder()
    registry = MappingRegistry(workspace, interval=0, logger=recorder)
    good = registry.inbound("demo", "onec")
    edit(path, MINIMAL.replace("quantity:", "quantaty:"))

    registry.refresh()

    assert registry.inbound("demo", "onec") is good
    problems = [e["problem"] for e in recorder.named("mapping_problem")]
    assert any(
        "mappings/demo/onec.yaml:4:7: inbound.lines.fields.quantaty: not a "
        "requisition field (did you mean 'quantity'?)" in p
        for p in problems
    )
    assert recorder.named("mapping_reload_failed")[0]["serving"] == good.version


def test_a_file_broken_from_the_start_fails_documents_instead_of_guessing(
    workspace: Path, demo_tenant: TenantSettings
):
    write(workspace, "demo/onec.yaml", MINIMAL.replace("quantity:", "quantaty:"))
    registry = MappingRegistry(workspace, interval=0, logger=Recorder())
    record = read_orders(UT11_ORDERS.read_bytes(), tenant_id="demo")[0]

    mapping = registry.inbound("demo", "onec")

    assert mapping is not None
    with pytest.raises(MappingUnavailable, match="has 2 problem"):
        mapping.to_requisition(demo_tenant, record)


def test_a_table_edit_gives_the_mappings_using_it_a_new_version(shipped: Path):
    registry = MappingRegistry(shipped, interval=0)
    before = registry.inbound("demo", "onec")
    items = shipped / "tables" / "demo_items.csv"
    edit(items, items.read_text(encoding="utf-8") + "NEW-1,777777,Новый товар\n")

    registry.refresh()

    after = registry.inbound("demo", "onec")
    assert before is not None and after is not None
    assert after.version != before.version


def test_a_removed_file_is_no_longer_served(workspace: Path):
    path = write(workspace, "demo/onec.yaml", MINIMAL)
    registry = MappingRegistry(workspace, interval=0, logger=Recorder())
    registry.refresh()
    path.unlink()

    registry.refresh()

    assert registry.inbound("demo", "onec") is None


def test_the_watcher_reloads_an_edit_on_its_own(workspace: Path):
    path = write(workspace, "demo/onec.yaml", MINIMAL)
    registry = MappingRegistry(workspace, interval=0.05, logger=Recorder())
    registry.start()
    first = registry.inbound("demo", "onec")
    try:
        edit(path, MINIMAL + "  header:\n    number: {path: doc.id}\n")
        deadline = time.monotonic() + 10
        while registry.inbound("demo", "onec") is first:
            assert time.monotonic() < deadline, "the edit was never picked up"
            time.sleep(0.02)
    finally:
        registry.stop()

    assert registry.inbound("demo", "onec").header


@pytest.fixture
def acme_hub(tmp_path: Path, sqlite_url: str) -> Any:
    """A hub whose acme tenant has the demo 1C mapping."""
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, root, ignore=shutil.ignore_patterns("tests"))
    shutil.move(root / "demo", root / "acme")
    config = write_config(
        tmp_path,
        sqlite_url,
        extra="mappings:\n  directory: mappings\n  reload_interval_seconds: 0\n",
    )
    hub = Hub(load_settings(config))
    hub.prepare()
    yield hub
    hub.stop()


def test_the_hub_maps_a_1c_order_and_records_the_mapping_version(acme_hub: Hub):
    record = read_orders(UT11_ORDERS.read_bytes(), tenant_id="acme")[0]

    intake = acme_hub.pipeline.receive(record)

    version = acme_hub.mapping_registry.inbound("acme", "onec").version
    with acme_hub.db.session() as session:
        message = session.get(Message, intake.message_id)
        requisition = session.execute(select(Requisition)).scalar_one()
    assert intake.outcome == "created"
    assert message.mapping_version == version
    assert version.startswith("acme/onec.yaml@sha256:")
    assert (requisition.number, requisition.delivery_address_code) == (
        "ТДЦУ-000001",
        "MAIN",
    )


def test_a_document_the_mapping_cannot_take_is_kept_failed_with_the_reason(
    acme_hub: Hub,
):
    broken = (MAPPINGS / "tests" / "inputs" / "order_unknown_unit.xml").read_bytes()
    record = read_orders(broken, tenant_id="acme")[0]

    intake = acme_hub.pipeline.receive(record)

    with acme_hub.db.session() as session:
        message = session.get(Message, intake.message_id)
    assert intake.outcome == "failed"
    assert message.state == "failed"
    assert "lines[1].unit_code: line.unit.code = '999'" in message.error
    assert message.payload == record.payload


def test_a_channel_without_a_mapping_stays_plain(acme_hub: Hub):
    tenant = acme_hub.settings.tenant("acme")

    assert isinstance(acme_hub.mapper_for(tenant, "api"), PlainMapper)
