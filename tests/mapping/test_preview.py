"""Preview and check, as functions and as ``komus-gateway mappings`` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.mapping import preview
from gateway.mapping.preview import DEFAULT

from .conftest import (
    BITRIX_CP1251,
    CML31_ORDERS,
    MAPPINGS,
    OFFICIAL_CP1251,
    OFFICIAL_ORDERS,
    UT11_ORDERS,
    write,
)

DEMO = MAPPINGS / "demo" / "onec.yaml"


def test_preview_maps_every_order_in_a_real_file():
    result = preview(DEMO, UT11_ORDERS.read_bytes(), "commerceml")

    assert result.ok
    assert result.version.startswith("demo/onec.yaml@sha256:")
    assert [d.external_id for d in result.documents] == ["142", "235"]
    assert result.documents[0].output["number"] == "ТДЦУ-000001"


def test_preview_tells_the_mapping_line_behind_each_field():
    result = preview(DEMO, UT11_ORDERS.read_bytes())

    fields = {f.field: f for f in result.documents[0].fields}
    assert fields["number"].origin == "mappings/demo/onec.yaml:18"
    assert fields["lines[2].unit_code"].value == "715"
    assert fields["lines[2].line_no"].origin == "source position 2"
    assert fields["currency"].origin.startswith("mappings/demo/onec.yaml:")


def _made_by(field: str, origin: str) -> bool:
    """Whether ``origin`` is the demo mapping's line that sets ``field``.

    A field the mapping does not name is a default, or for ``line_no`` the
    line's position in the source.
    """
    key = field.rsplit(".", 1)[-1]
    text = DEMO.read_text(encoding="utf-8").splitlines()
    naming = {
        f"mappings/demo/onec.yaml:{number}"
        for number, line in enumerate(text, start=1)
        if line.strip().startswith(f"{key}:")
    }
    if naming:
        return origin in naming
    if key == "line_no":
        return re.fullmatch(r"source position \d+", origin) is not None
    return origin == DEFAULT


@pytest.mark.parametrize(
    "sample",
    [OFFICIAL_ORDERS, OFFICIAL_CP1251, BITRIX_CP1251, UT11_ORDERS, CML31_ORDERS],
    ids=lambda sample: sample.name[:2],
)
def test_preview_shows_every_output_field_with_the_mapping_line_that_made_it(
    sample: Path,
):
    result = preview(DEMO, sample.read_bytes())

    assert result.ok and result.documents
    for document in result.documents:
        origins = {item.field: item.origin for item in document.fields}
        header = set(document.output) - {"lines", "problems"}
        line_fields = sum(len(line) for line in document.output["lines"])
        assert {name for name in origins if not name.startswith("lines[")} == header
        assert len(origins) == len(header) + line_fields
        assert [f for f, origin in origins.items() if not _made_by(f, origin)] == []


def test_preview_picks_the_reader_the_mapping_names():
    result = preview(DEMO, BITRIX_CP1251.read_bytes())

    assert result.reader == "commerceml"
    assert len(result.documents[1].output["lines"]) == 7


def test_preview_of_a_broken_mapping_returns_its_problems(workspace: Path):
    path = write(workspace, "demo/onec.yaml", "inbound:\n  header:\n    numbr: {}\n")

    result = preview(path, UT11_ORDERS.read_bytes())

    assert not result.ok
    assert [str(p) for p in result.problems] == [
        "mappings/demo/onec.yaml:3:5: inbound.header.numbr: not a requisition field "
        "(did you mean 'number'?)"
    ]


def test_preview_of_an_unknown_reader_is_a_problem():
    result = preview(DEMO, UT11_ORDERS.read_bytes(), "edifact")

    assert "unknown reader 'edifact'" in str(result.problems[0])


def test_mappings_check_passes_on_the_shipped_directory():
    result = CliRunner().invoke(app, ["mappings", "check", "--dir", str(MAPPINGS)])

    assert result.exit_code == 0
    assert result.stdout.strip().endswith(": ok")


def test_mappings_check_prints_every_problem_and_exits_2(workspace: Path):
    write(
        workspace,
        "demo/onec.yaml",
        "inbound:\n  header:\n    numbr: {path: doc.number}\n"
        "    comment: {path: doc.comment, convert: texts}\n",
    )
    write(workspace, "tables/demo_items.csv", "code,article\nA,1\nA,2\n")

    result = CliRunner().invoke(app, ["mappings", "check", "--dir", str(workspace)])

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "3 problem(s) found"
    assert lines[0].startswith("mappings/demo/onec.yaml:3:5: inbound.header.numbr:")
    assert lines[1].startswith("mappings/demo/onec.yaml:4:43: inbound.header.comment")
    assert lines[2].startswith("mappings/tables/demo_items.csv:3:1: code: duplicate")


def test_mappings_preview_prints_fields_with_their_lines():
    result = CliRunner().invoke(
        app,
        ["mappings", "preview", "--mapping", str(DEMO), "--input", str(UT11_ORDERS)],
    )

    assert result.exit_code == 0
    number = next(
        x for x in result.stdout.splitlines() if x.strip().startswith("number")
    )
    assert "'ТДЦУ-000001'" in number
    assert number.rstrip().endswith("mappings/demo/onec.yaml:18")


def test_mappings_preview_as_json_holds_output_and_origins():
    result = CliRunner().invoke(
        app,
        ["mappings", "preview", "-m", str(DEMO), "-i", str(UT11_ORDERS), "--json"],
    )

    body = json.loads(result.stdout)
    assert body["documents"][1]["output"]["lines"][0]["unit_code"] == "715"
    assert body["documents"][0]["fields"][0] == {
        "field": "number",
        "value": "ТДЦУ-000001",
        "origin": "mappings/demo/onec.yaml:18",
    }


def test_mappings_preview_exits_1_when_a_document_fails():
    failing = MAPPINGS / "tests" / "inputs" / "order_unknown_unit.xml"

    result = CliRunner().invoke(
        app, ["mappings", "preview", "-m", str(DEMO), "-i", str(failing)]
    )

    assert result.exit_code == 1
    assert "FAILED: mappings/demo/onec.yaml:" in result.stdout
