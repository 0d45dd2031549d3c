"""``type=catalog`` and ``type=get_catalog``: handed to the catalogue's own modules.

``catalog_match.match_catalog_upload`` matches the goods 1C uploads against the
Komus catalogue; ``catalog_export.export_catalog`` writes the catalogue 1C asks
for. Both are imported when first asked for, so the exchange runs without them
and answers ``failure`` with the reason until they are there.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from connectors.onec.encoding import declared_encoding
from connectors.onec.replies import Reply

if TYPE_CHECKING:
    from connectors.onec.protocol import Answer
    from connectors.onec.settings import OneCProfile
    from gateway.hub import Hub

log = structlog.get_logger(__name__)

MATCH = ("connectors.onec.catalog_match", "match_catalog_upload")
EXPORT = ("connectors.onec.catalog_export", "export_catalog")


def _function(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def match(hub: Hub, tenant_id: str, files: Mapping[str, Path | bytes]) -> Reply:
    """Run the catalogue matching over the session's XML files; the exchange
    gives them by path, so that the matching reads them as streams."""
    matcher = _function(*MATCH)
    if matcher is None:
        return Reply.failure(
            "catalogue upload (type=catalog) is not available in this gateway yet: "
            f"{MATCH[0]}.{MATCH[1]} is missing"
        )
    if not files:
        return Reply.failure("no XML file was uploaded in this exchange session")
    try:
        result = matcher(hub, tenant_id, files)
    except Exception as error:  # noqa: BLE001 - answered to 1C, logged with trace
        log.exception("onec_catalog_match_failed", tenant=tenant_id)
        return Reply.failure(f"catalogue matching failed: {error}")
    lines = _lines(result)
    if getattr(result, "ok", True) is False:
        return Reply.failure(*lines)
    return Reply.success(*lines)


def export(hub: Hub, profile: OneCProfile) -> Answer | Reply:
    """The catalogue as a CommerceML file, sent as its declaration says."""
    from connectors.onec.protocol import Answer

    exporter = _function(*EXPORT)
    if exporter is None:
        return Reply.failure(
            "catalogue export (type=get_catalog) is not available in this gateway "
            f"yet: {EXPORT[0]}.{EXPORT[1]} is missing"
        )
    try:
        body: bytes = exporter(hub, profile.tenant_id, profile)
    except Exception as error:  # noqa: BLE001 - answered to 1C, logged with trace
        log.exception("onec_catalog_export_failed", tenant=profile.tenant_id)
        return Reply.failure(f"catalogue export failed: {error}")
    declared = declared_encoding(body) or "utf-8"
    charset = "windows-1251" if declared == "cp1251" else declared
    return Answer(body, f"application/xml; charset={charset}")


def _lines(result: Any) -> list[str]:
    for name in ("lines", "summary", "describe"):
        value = getattr(result, name, None)
        if callable(value):
            value = value()
        if isinstance(value, str):
            return value.splitlines()
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
    return [str(result)] if result is not None else []
