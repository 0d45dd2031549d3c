"""Every mapping fixture in mappings/tests gives the output it expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.mapping.fixtures import load_fixture, run_fixture

from .conftest import MAPPINGS

FIXTURES = sorted((MAPPINGS / "tests").glob("*.yaml"))


def test_there_are_fixtures_to_run():
    assert len(FIXTURES) >= 5


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_mapping_fixture(path: Path):
    fixture = load_fixture(path)

    differences = run_fixture(fixture, MAPPINGS)

    assert differences == []


def test_a_fixture_reports_what_differs(tmp_path: Path):
    path = tmp_path / "wrong.yaml"
    path.write_text(
        "mapping: demo/onec.yaml\n"
        "input: samples:1c/05_ut11_documents_to_site_cml209_ns_utf8.xml\n"
        "expect:\n"
        "  - {external_id: '142', requisition: {number: '142', lines: []}}\n"
        "  - {external_id: '235'}\n",
        encoding="utf-8",
    )

    differences = run_fixture(load_fixture(path), MAPPINGS)

    assert differences == [
        "document 1 (142).number: 'ТДЦУ-000001', expected '142'",
        "document 1 (142).lines: 2 item(s), expected 0",
    ]
