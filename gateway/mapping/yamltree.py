"""YAML as integrators write it: every plain scalar stays text, positions are kept.

Codes must survive loading: ``796`` and ``006`` are ОКЕИ codes, not numbers, and
``NO`` is a country or a status, not false. So every plain scalar is read as a
string (only ``~``, ``null`` and an empty value mean "nothing"); the loader decides
what a keyword's value means (``required: true``). Positions come from ruamel's
round-trip nodes and are 1-based here.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from gateway.errors import ConfigProblem

Position = tuple[int, int]

_NULL = Tag(suffix="tag:yaml.org,2002:null")
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


class _TextResolver(VersionedResolver):
    """Plain scalars resolve to ``str`` (or null); quoted ones are strings anyway."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return _NULL if value in _NULL_WORDS else self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = _TextResolver
    return yaml


def parse(text: str, file: str) -> tuple[Any, list[ConfigProblem]]:
    """The tree of one YAML document, or ``None`` with the problem that stopped it."""
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as error:
        return None, [_problem(error, file)]


def decode(data: bytes, file: str) -> tuple[str | None, list[ConfigProblem]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [
            ConfigProblem(file, line, 1, "", "not UTF-8 text; save the file as UTF-8")
        ]


def _problem(error: MarkedYAMLError, file: str) -> ConfigProblem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = str(error.problem or error.context or "cannot be read as YAML")
    if "duplicate key" in message and error.context_mark is not None:
        message = f"{message}; the first one is on line {error.context_mark.line + 1}"
    elif error.context and error.problem:
        message = f"{message} ({error.context})"
    return ConfigProblem(file, line, column, "", message)


def key_position(mapping: CommentedMap, key: Any) -> Position:
    line, column = mapping.lc.key(key)
    return line + 1, column + 1


def value_position(mapping: CommentedMap, key: Any) -> Position:
    line, column = mapping.lc.value(key)
    return line + 1, column + 1


def item_position(sequence: CommentedSeq, index: int) -> Position:
    line, column = sequence.lc.item(index)
    return line + 1, column + 1


def start_position(node: Any) -> Position:
    if isinstance(node, CommentedMap | CommentedSeq) and node.lc.line is not None:
        return node.lc.line + 1, node.lc.col + 1
    return 1, 1


def plain(node: Any) -> Any:
    """Ruamel's containers as plain dicts and lists."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return None if node is None else str(node)
