"""Readers a preview can run a file through, found by name.

Connectors offer readers under the entry point group ``komus_gateway.readers``
(``commerceml = "connectors.onec.reader:read_orders"``) so that the hub never
imports a connector by name. ``json`` is built in: the API channel's record shape,
one object or a list of them.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any, Protocol

from gateway.errors import FinalError
from gateway.mapping.suggest import hint
from gateway.plain import record_from_json
from gateway.records import SourceRecord

READER_GROUP = "komus_gateway.readers"


class FileReader(Protocol):
    def __call__(
        self,
        payload: bytes,
        *,
        tenant_id: str,
        channel: str,
        filename: str | None = None,
    ) -> list[SourceRecord]: ...


def read_json(
    payload: bytes,
    *,
    tenant_id: str,
    channel: str,
    filename: str | None = None,
) -> list[SourceRecord]:
    """Records written as the API channel takes them: ``{"external_id": …, …}``."""
    try:
        body: Any = json.loads(payload)
    except ValueError as error:
        raise FinalError(f"{filename or 'input'} is not JSON: {error}") from error
    bodies = body if isinstance(body, list) else [body]
    records = []
    for number, item in enumerate(bodies, start=1):
        if not isinstance(item, dict) or "external_id" not in item:
            raise FinalError(
                f"record {number} of {filename or 'input'} needs an external_id"
            )
        raw = json.dumps(item, ensure_ascii=False).encode()
        records.append(record_from_json(tenant_id, channel, item, raw))
    return records


BUILT_IN: dict[str, FileReader] = {"json": read_json}


def reader_names() -> list[str]:
    offered = {entry.name for entry in entry_points(group=READER_GROUP)}
    return sorted(offered | set(BUILT_IN))


def reader_named(name: str) -> FileReader:
    if name in BUILT_IN:
        return BUILT_IN[name]
    for entry in entry_points(group=READER_GROUP):
        if entry.name == name:
            reader: FileReader = entry.load()
            return reader
    raise KeyError(f"unknown reader {name!r}" + hint(name, reader_names()))
