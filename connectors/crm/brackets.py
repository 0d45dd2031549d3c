"""Form bodies with PHP-style bracket keys (``data[FIELDS][ID]=7``) as nested dicts.

Bitrix24 and amoCRM post ``application/x-www-form-urlencoded`` bodies whose keys
nest with brackets. Indices stay dict keys (``"0"``, ``"25"``): a sparse or huge
index allocates nothing, and the result never depends on how many items there were.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

MAX_FIELDS = 5000
MAX_DEPTH = 8
MAX_KEY_LENGTH = 512


class FormRefused(ValueError):
    """The body is not a form the gateway will read."""


def split_key(key: str) -> list[str]:
    """``a[b][]`` → ``["a", "b", ""]``; text after the last bracket is kept."""
    head, bracket, rest = key.partition("[")
    if not bracket or not head:
        return [key]
    parts = [head]
    while rest:
        inner, closing, rest = rest.partition("]")
        if not closing:
            # An unclosed bracket: PHP keeps the rest of the key as one name.
            return [head, key[len(head) :]]
        parts.append(inner)
        if not rest.startswith("["):
            break
        rest = rest[1:]
    return parts


def parse_form(body: bytes) -> dict[str, Any]:
    """Decode a urlencoded body (UTF-8, ``+`` as space) into nested dicts."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormRefused(f"the form is not UTF-8: {exc}") from exc
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as exc:
        raise FormRefused(f"the form has more than {MAX_FIELDS} fields") from exc
    tree: dict[str, Any] = {}
    for key, value in pairs:
        if len(key) > MAX_KEY_LENGTH:
            raise FormRefused(f"a form key is longer than {MAX_KEY_LENGTH} characters")
        parts = split_key(key)
        if len(parts) > MAX_DEPTH:
            raise FormRefused(f"a form key nests deeper than {MAX_DEPTH} levels")
        _put(tree, parts, value)
    return tree


def _put(tree: dict[str, Any], parts: list[str], value: str) -> None:
    node = tree
    for place, part in enumerate(parts):
        last = place == len(parts) - 1
        if part == "":
            part = str(sum(1 for k in node if k.isdigit()))
        if last:
            node[part] = value
            return
        child = node.get(part)
        if not isinstance(child, dict):
            # A scalar given earlier under the same name is replaced, as PHP does.
            child = {}
            node[part] = child
        node = child


def items(node: Any) -> list[Any]:
    """The values of an index dict in index order (numeric keys first, by number)."""
    if not isinstance(node, dict):
        return []
    return [
        node[k]
        for k in sorted(
            node, key=lambda k: (0, int(k), "") if k.isdigit() else (1, 0, k)
        )
    ]
