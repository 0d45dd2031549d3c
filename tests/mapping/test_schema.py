"""The JSON Schema editors use agrees with the shipped files and with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from gateway.mapping.convert import CONVERSIONS
from gateway.mapping.loader import FIELD_KEYS, LOOKUP_KEYS
from gateway.mapping.targets import HEADER_TARGETS, LINE_TARGETS

from .conftest import MAPPINGS

SCHEMA_PATH = MAPPINGS.parent / "schemas" / "mapping.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
SHIPPED = sorted(
    p for p in MAPPINGS.rglob("*.yaml") if p.relative_to(MAPPINGS).parts[0] != "tests"
)
REFERENCE = "# yaml-language-server: $schema=../../schemas/mapping.schema.json"


def as_an_editor_reads_it(text: str) -> object:
    """YAML 1.2 typing, as the YAML language server applies the schema."""
    return YAML(typ="safe", pure=True).load(text)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_file_validates_against_the_schema(path: Path):
    document = as_an_editor_reads_it(path.read_text(encoding="utf-8"))

    assert [error.message for error in VALIDATOR.iter_errors(document)] == []


@pytest.mark.parametrize(
    "path",
    [p for p in SHIPPED if p.parent.name != "tables" or p.stem != "komus_statuses"],
    ids=lambda p: p.stem,
)
def test_a_shipped_file_points_editors_at_the_schema(path: Path):
    assert REFERENCE in path.read_text(encoding="utf-8").splitlines()[:3]


def test_the_schema_refuses_a_misspelt_key():
    document = as_an_editor_reads_it(
        "inbound:\n  header:\n    number: {path: doc.number, reqired: true}\n"
    )

    assert not VALIDATOR.is_valid(document)


def test_the_schema_refuses_a_lookup_without_a_policy():
    document = as_an_editor_reads_it(
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.qty}\n"
        "      unit_code: {path: line.u, lookup: {table: units, column: okei}}\n"
    )

    assert not VALIDATOR.is_valid(document)


def test_the_schema_knows_the_same_keywords_as_the_loader():
    definitions = SCHEMA["$defs"]

    assert set(definitions["node"]["properties"]) == set(FIELD_KEYS)
    assert set(definitions["lookup"]["properties"]) == set(LOOKUP_KEYS)
    assert set(definitions["value"]["properties"]["convert"]["enum"]) == set(
        CONVERSIONS
    )
    inbound = definitions["inbound"]["properties"]
    assert set(inbound["header"]["propertyNames"]["enum"]) == set(HEADER_TARGETS)
    lines = inbound["lines"]["properties"]["fields"]["propertyNames"]["enum"]
    assert set(lines) == set(LINE_TARGETS)
