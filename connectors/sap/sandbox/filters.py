"""The part of ``$filter`` the sandbox understands: comparisons joined with ``and``."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_CLAUSE = re.compile(
    r"\s*(?P<name>\w+)\s+(?P<op>eq|ne|ge|gt|le|lt)\s+"
    r"(?P<literal>datetimeoffset'[^']*'|datetime'[^']*'|'(?:[^']|'')*'"
    r"|true|false|null|-?\d+(?:\.\d+)?[mMdD]?)\s*(?:\band\b|$)"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}

Predicate = Callable[[dict[str, Any]], bool]


class FilterError(ValueError):
    pass


def parse_filter(text: str) -> Predicate:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    clauses: list[tuple[str, Callable[[Any, Any], bool], Any]] = []
    position = 0
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None:
            raise FilterError(f"cannot read $filter at {text[position:][:40]!r}")
        clauses.append((match["name"], _OPS[match["op"]], _literal(match["literal"])))
        position = match.end()

    def matches(row: dict[str, Any]) -> bool:
        for name, compare, wanted in clauses:
            if name not in row:
                raise FilterError(f"property {name!r} does not exist")
            value = row[name]
            if value is None or wanted is None:
                same = value is wanted
                if (compare is operator.eq and not same) or (
                    compare is not operator.eq and (compare is not operator.ne or same)
                ):
                    return False
                continue
            if not compare(value, wanted):
                return False
        return True

    return matches


def _literal(text: str) -> Any:
    if text.startswith(("datetimeoffset'", "datetime'")):
        raw = text.split("'", 1)[1][:-1].replace("Z", "+00:00")
        moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    return Decimal(text.rstrip("mMdD"))
