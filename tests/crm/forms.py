"""Form bodies as the CRMs put them on the wire: bracket keys, percent-encoded."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.crm.conftest import CRM_SAMPLES


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


def amocrm_status_body(status_id: int, old_status_id: int, last_modified: int) -> bytes:
    """The captured amoCRM "lead status changed" body with status and time changed."""
    sample = (CRM_SAMPLES / "amocrm" / "leads_status_2016.form").read_text()
    pairs = dict(parse_qsl(sample, keep_blank_values=True))
    pairs["leads[status][0][status_id]"] = str(status_id)
    pairs["leads[status][0][old_status_id]"] = str(old_status_id)
    pairs["leads[status][0][last_modified]"] = str(last_modified)
    return urlencode(pairs).encode()
