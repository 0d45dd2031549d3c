"""Mapping fixture tests: a real input file and the output a mapping must give.

A fixture is ``mappings/tests/NAME.yaml``::

    mapping: demo/onec.yaml                 # relative to the mappings directory
    input: samples:1c/05_ut11_documents_to_site_cml209_ns_utf8.xml
    reader: commerceml                      # optional; else the mapping's reader
    outbound: order_status                  # only for outbound mappings
    expect:                                 # inbound: one entry per document
      - external_id: "142"
        requisition: {number: ТДЦУ-000001, lines: [{quantity: "1"}]}
      - external_id: "235"
        failure: part of the failure message

``samples:PATH`` is under the samples root: ``$GATEWAY_SAMPLES``, else
``../shared/samples`` beside the repository. Any other input path is relative to
the fixture file (``inputs/order.json``). Expected values are text, as YAML keeps
them; a mapping's output is compared key by key, and keys a fixture leaves out are
not compared. Lists must have the same length.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from gateway.mapping import yamltree
from gateway.mapping.preview import PreviewResult, preview

SAMPLES_PREFIX = "samples:"
FIXTURE_KEYS = ("description", "mapping", "input", "reader", "outbound", "expect")


def samples_root() -> Path:
    configured = os.environ.get("GATEWAY_SAMPLES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "samples"


class FixtureError(ValueError):
    pass


@dataclass
class Fixture:
    file: Path
    mapping: str
    input: Path
    expect: Any
    reader: str | None = None
    outbound: str | None = None
    description: str | None = None


def load_fixture(path: Path) -> Fixture:
    tree, problems = yamltree.parse(path.read_text(encoding="utf-8-sig"), str(path))
    if problems:
        raise FixtureError(str(problems[0]))
    if not isinstance(tree, CommentedMap):
        raise FixtureError(f"{path}: a fixture is a mapping: mapping, input, expect")
    for key in tree:
        if key not in FIXTURE_KEYS:
            line, column = yamltree.key_position(tree, key)
            raise FixtureError(f"{path}:{line}:{column}: {key}: unknown key")
    for key in ("mapping", "input", "expect"):
        if key not in tree:
            raise FixtureError(f"{path}: {key} is missing")
    source = str(tree["input"])
    if source.startswith(SAMPLES_PREFIX):
        input_path = samples_root() / source.removeprefix(SAMPLES_PREFIX)
    else:
        input_path = path.parent / source
    return Fixture(
        file=path,
        mapping=str(tree["mapping"]),
        input=input_path,
        expect=yamltree.plain(tree["expect"]),
        reader=tree.get("reader"),
        outbound=tree.get("outbound"),
        description=tree.get("description"),
    )


def run_fixture(fixture: Fixture, directory: Path) -> list[str]:
    """What differs from the expectation; an empty list when the fixture passes."""
    result = preview(
        directory / fixture.mapping,
        fixture.input.read_bytes(),
        fixture.reader,
        outbound=fixture.outbound,
        directory=directory,
        filename=fixture.input.name,
    )
    if result.problems:
        return [str(problem) for problem in result.problems]
    if fixture.outbound is not None:
        document = result.documents[0]
        if document.failure:
            return [f"output failed: {document.failure}"]
        return differences(fixture.expect, document.output, "output")
    return _inbound_differences(fixture.expect, result)


def _inbound_differences(expect: Any, result: PreviewResult) -> list[str]:
    if not isinstance(expect, list):
        return ["expect: an inbound fixture lists one entry per document"]
    found = (
        [f"{len(result.documents)} document(s)"]
        if len(expect) != len(result.documents)
        else []
    )
    if found:
        return [f"expected {len(expect)} document(s), the reader gave {found[0]}"]
    problems: list[str] = []
    for number, (wanted, document) in enumerate(
        zip(expect, result.documents, strict=True), start=1
    ):
        where = f"document {number} ({document.external_id})"
        if "external_id" in wanted and wanted["external_id"] != document.external_id:
            problems.append(
                f"{where}: external_id is {document.external_id!r}, "
                f"expected {wanted['external_id']!r}"
            )
        if "failure" in wanted:
            if document.failure is None:
                problems.append(f"{where}: expected a failure, but it mapped")
            elif wanted["failure"] not in document.failure:
                problems.append(
                    f"{where}: failure {document.failure!r} does not contain "
                    f"{wanted['failure']!r}"
                )
            continue
        if document.failure is not None:
            problems.append(f"{where}: failed: {document.failure}")
            continue
        problems.extend(
            differences(wanted.get("requisition", {}), document.output, where)
        )
    return problems


def differences(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {actual!r}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{where}.{key}: missing from the output")
            else:
                found.extend(differences(value, actual[key], f"{where}.{key}"))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {actual!r}"]
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} item(s), expected {len(expected)}"]
        found = []
        for index, (wanted, got) in enumerate(zip(expected, actual, strict=True)):
            found.extend(differences(wanted, got, f"{where}[{index}]"))
        return found
    if expected != actual:
        return [f"{where}: {actual!r}, expected {expected!r}"]
    return []
