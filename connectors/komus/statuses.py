"""Komus status codes and the gateway status each one means, from a YAML table.

Integrators edit ``mappings/tables/komus_statuses.yaml``; every problem in it is
reported as ``file:line:col: message`` before the gateway starts tracking.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from gateway.errors import ConfigError, ConfigProblem
from gateway.lifecycle import OrderStatus

DEFAULT_TABLE = (
    Path(__file__).resolve().parents[2] / "mappings" / "tables" / "komus_statuses.yaml"
)
TRACKED_STATUSES = frozenset(OrderStatus) - {OrderStatus.RECEIVED, OrderStatus.HELD}
"""A Komus order exists, so it is at least submitted."""

ROW_KEYS = ("code", "name", "status")


@dataclass(frozen=True)
class KomusStatus:
    code: str
    name: str
    status: OrderStatus


class StatusTable:
    def __init__(self, rows: list[KomusStatus], source: str):
        self.rows = {row.code: row for row in rows}
        self.source = source

    def get(self, code: str) -> KomusStatus | None:
        return self.rows.get(code)


def load_status_table(path: str | Path | None = None) -> StatusTable:
    """Read and check the table; ``ConfigError`` lists every problem it has."""
    path = Path(path) if path else DEFAULT_TABLE
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            [ConfigProblem(name, 1, 1, "", f"cannot read: {error}")]
        ) from error
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError(
            [ConfigProblem(name, line, column, "", str(error.problem))]
        ) from error
    checker = _Checker(name)
    rows = checker.table(tree)
    if checker.problems:
        raise ConfigError(sorted(checker.problems, key=lambda p: (p.line, p.column)))
    return StatusTable(rows, name)


class _Checker:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[ConfigProblem] = []

    def table(self, tree: Any) -> list[KomusStatus]:
        if not isinstance(tree, CommentedMap):
            self._at(1, 1, "the table must be a mapping with kind, name, key and rows")
            return []
        for key, expected in (("kind", "table"), ("name", "komus_statuses")):
            if tree.get(key) != expected:
                self._key(tree, key, f"{key} must be {expected!r}")
        if tree.get("key") != "code":
            self._key(tree, "key", "key must be 'code': rows are found by status code")
        rows = tree.get("rows")
        if not isinstance(rows, CommentedSeq) or not rows:
            self._key(tree, "rows", "rows must be a list with one row per status code")
            return []
        found: list[KomusStatus] = []
        first_line: dict[str, int] = {}
        for index, row in enumerate(rows):
            status = self.row(rows, index, row)
            if status is None:
                continue
            line = rows.lc.item(index)[0] + 1
            if status.code in first_line:
                self._key(
                    row,
                    "code",
                    f"code {status.code!r} is already in the table "
                    f"(line {first_line[status.code]})",
                )
                continue
            first_line[status.code] = line
            found.append(status)
        return found

    def row(self, rows: CommentedSeq, index: int, row: Any) -> KomusStatus | None:
        if not isinstance(row, CommentedMap):
            line, column = rows.lc.item(index)
            self._at(
                line + 1, column + 1, "a row must be a mapping: code, name, status"
            )
            return None
        problems = len(self.problems)
        for key in row:
            if key not in ROW_KEYS:
                line, column = row.lc.key(key)
                self._at(
                    line + 1,
                    column + 1,
                    f"unknown key {key!r} (a row has {', '.join(ROW_KEYS)})",
                )
        code, name, status = row.get("code"), row.get("name"), row.get("status")
        if not isinstance(code, str) or not code.strip():
            self._key(row, "code", "code must be a non-empty string, quoted")
        if name is not None and not isinstance(name, str):
            self._key(row, "name", "name must be text")
        known = ", ".join(s.value for s in OrderStatus if s in TRACKED_STATUSES)
        if status not in {s.value for s in TRACKED_STATUSES}:
            self._key(row, "status", f"unknown status {status!r}; known: {known}")
        if len(self.problems) > problems:
            return None
        return KomusStatus(code.strip(), name or "", OrderStatus(status))

    def _key(self, node: CommentedMap, key: str, message: str) -> None:
        if key in node:
            line, column = node.lc.value(key)
        else:
            line, column = node.lc.line, node.lc.col
        self._at(line + 1, column + 1, message)

    def _at(self, line: int, column: int, message: str) -> None:
        self.problems.append(ConfigProblem(self.name, line, column, "", message))
