"""Field paths into a document: ``doc.number``, ``line.unit.code``, ``doc.lines[0]``,
``line.requisites["Статус заказа"]``, ``doc.lines[*].id``.

A path starts with a name the mapping offers (``doc``, ``line``, ``tenant``, …) and
goes on with ``.name``, ``[N]`` (``-1`` is the last item), ``[*]`` (every item: the
result is a list) or ``["quoted name"]`` for names with spaces or dots. A name that
is not there gives ``None``; stepping into text or a number as if it were a mapping
is an error, because the path does not fit the document's shape.
"""

from __future__ import annotations

import re
from typing import Any

KEY = "key"
INDEX = "index"
EVERY = "every"

_NAME = re.compile(r"[^.\[\]\s'\"]+")
_INDEX = re.compile(r"-?\d+")


class PathSyntaxError(ValueError):
    """A path that cannot be read; ``column`` is 1-based within the path."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column


class PathError(ValueError):
    """The document's shape does not fit the path."""


Step = tuple[str, Any]


class FieldPath:
    """A parsed path; ``resolve`` reads it from a scope of named values."""

    __slots__ = ("text", "root", "steps", "_names")

    def __init__(self, text: str, root: str, steps: tuple[Step, ...]):
        self.text = text
        self.root = root
        self.steps = steps
        simple = all(kind == KEY for kind, _ in steps)
        self._names = tuple(name for _, name in steps) if simple else None

    def __repr__(self) -> str:
        return f"FieldPath({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldPath) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def resolve(self, scope: dict[str, Any]) -> Any:
        value = scope.get(self.root)
        names = self._names
        if names is None:
            return self._follow(value, 0)
        for position, name in enumerate(names):
            if value is None:
                return None
            if type(value) is not dict:
                raise PathError(self._mismatch(value, name, position))
            value = value.get(name)
        return value

    def _follow(self, value: Any, start: int) -> Any:
        for position in range(start, len(self.steps)):
            if value is None:
                return None
            kind, argument = self.steps[position]
            if kind == KEY:
                if not isinstance(value, dict):
                    raise PathError(self._mismatch(value, argument, position))
                value = value.get(argument)
            elif kind == INDEX:
                if not isinstance(value, list):
                    raise PathError(self._not_a_list(value, position))
                inside = -len(value) <= argument < len(value)
                value = value[argument] if inside else None
            else:
                if not isinstance(value, list):
                    raise PathError(self._not_a_list(value, position))
                nested = any(k == EVERY for k, _ in self.steps[position + 1 :])
                gathered: list[Any] = []
                for item in value:
                    found = self._follow(item, position + 1)
                    if nested and isinstance(found, list):
                        gathered.extend(found)
                    else:
                        gathered.append(found)
                return gathered
        return value

    def _prefix(self, upto: int) -> str:
        return render(self.root, self.steps[:upto])

    def _mismatch(self, value: Any, name: str, position: int) -> str:
        where = self._prefix(position)
        if isinstance(value, list):
            return (
                f"{where} is a list; pick an item with [0] or every item with [*] "
                f"before .{name}"
            )
        return f"{where} is {_kind(value)}, not a mapping with {name!r}"

    def _not_a_list(self, value: Any, position: int) -> str:
        return f"{self._prefix(position)} is {_kind(value)}, not a list"


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def render(root: str, steps: tuple[Step, ...]) -> str:
    parts = [root]
    for kind, argument in steps:
        if kind == KEY:
            simple = _NAME.fullmatch(argument)
            parts.append(f".{argument}" if simple else f'["{argument}"]')
        elif kind == INDEX:
            parts.append(f"[{argument}]")
        else:
            parts.append("[*]")
    return "".join(parts)


def parse_path(text: str) -> FieldPath:
    """Read a path; ``PathSyntaxError`` says where and what would be right."""
    if not text:
        raise PathSyntaxError("empty path; write e.g. line.quantity", 1)
    match = _NAME.match(text)
    if match is None:
        raise PathSyntaxError(
            f"a path starts with a name such as doc or line, not {text[0]!r}", 1
        )
    root = match.group()
    position = match.end()
    steps: list[Step] = []
    while position < len(text):
        character = text[position]
        if character == ".":
            match = _NAME.match(text, position + 1)
            if match is None:
                raise PathSyntaxError(_after_dot(text, position + 1), position + 2)
            steps.append((KEY, match.group()))
            position = match.end()
        elif character == "[":
            step, position = _bracket(text, position)
            steps.append(step)
        elif character.isspace():
            raise PathSyntaxError(
                "a name with spaces goes in brackets and quotes, "
                'as in doc.requisites["Статус заказа"]',
                position + 1,
            )
        else:
            raise PathSyntaxError(
                f'unexpected {character!r}; go on with .name, [N], [*] or ["name"]',
                position + 1,
            )
    return FieldPath(text, root, tuple(steps))


def _after_dot(text: str, position: int) -> str:
    if position >= len(text):
        return "the path ends with '.'; a name must follow it"
    if text[position].isspace():
        return (
            "a name with spaces goes in brackets and quotes, "
            'as in doc.requisites["Статус заказа"]'
        )
    return f"expected a name after '.', found {text[position]!r}"


def _bracket(text: str, start: int) -> tuple[Step, int]:
    inner_start = start + 1
    if inner_start < len(text) and text[inner_start] in "'\"":
        quote = text[inner_start]
        close_quote = text.find(quote, inner_start + 1)
        if close_quote < 0:
            raise PathSyntaxError(f"the quote {quote} is not closed", inner_start + 1)
        if close_quote + 1 >= len(text) or text[close_quote + 1] != "]":
            raise PathSyntaxError(
                "a quoted name in brackets must be followed by ']'", close_quote + 2
            )
        name = text[inner_start + 1 : close_quote]
        if not name:
            raise PathSyntaxError("an empty name in brackets", inner_start + 1)
        return (KEY, name), close_quote + 2
    close = text.find("]", inner_start)
    if close < 0:
        raise PathSyntaxError("'[' is not closed with ']'", start + 1)
    inner = text[inner_start:close]
    if inner == "*":
        return (EVERY, None), close + 1
    if _INDEX.fullmatch(inner):
        return (INDEX, int(inner)), close + 1
    raise PathSyntaxError(
        f"inside [] write a number, * or a quoted name, not {inner!r}", start + 2
    )
