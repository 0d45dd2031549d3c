"""A 1C file in the message log runs through the path again after a mapping fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.onec.conftest import CML31_ORDERS
from tests.onec.harness import MAPPINGS, messages, requisitions


@pytest.fixture
def mappings_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy, ignore=shutil.ignore_patterns("tests"))
    mapping = copy / "demo" / "onec.yaml"
    text = mapping.read_text(encoding="utf-8")
    broken = text.replace(
        "column: cost_centre\n        missing: {default: null}",
        "column: cost_centre\n        missing: fail",
    )
    assert broken != text
    mapping.write_text(broken, encoding="utf-8")
    return copy


@pytest.fixture
def onec_options(mappings_copy: Path) -> dict:
    return {"mappings": mappings_copy}


def test_a_file_replays_after_a_mapping_fix(onec, gateway, mappings_copy):
    onec.checkauth()
    onec.init()
    onec.upload(CML31_ORDERS.name, CML31_ORDERS.read_bytes())
    onec.import_file(CML31_ORDERS.name)
    assert set(requisitions(gateway)) == {"319"}
    mapping = mappings_copy / "demo" / "onec.yaml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace(
            "missing: fail", "missing: {default: null}", 1
        ),
        encoding="utf-8",
    )
    gateway.mapping_registry.refresh()
    (file,) = messages(gateway, kind="onec.file")

    intakes = gateway.pipeline.replay_message(file.id, actor="integrator")

    assert [i.outcome for i in intakes] == [
        "duplicate",
        "created",
        "created",
        "created",
    ]
    assert set(requisitions(gateway)) == {"319", "479", "480", "481"}
