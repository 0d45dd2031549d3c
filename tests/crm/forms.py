"""Nested dicts back into bracket-key form bodies, as Bitrix24 puts them on the wire."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


def to_form(tree: dict[str, Any]) -> bytes:
    pairs: list[tuple[str, str]] = []
    _flatten(tree, "", pairs)
    return urlencode(pairs).encode()


def _flatten(node: Any, prefix: str, pairs: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}[{key}]" if prefix else str(key), pairs)
    else:
        pairs.append((prefix, "" if node is None else str(node)))
