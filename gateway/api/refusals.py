"""Bodies refused before any reader could make sense of them, kept in the message log.

Nothing a sender posts is lost: a body that is not JSON, or not a requisition, is stored
as a failed message with the reason, so that an integrator can see what arrived.
"""

from __future__ import annotations

import structlog

from gateway.hub import Hub
from gateway.pipeline import checksum
from gateway.records import SourceRecord

log = structlog.get_logger(__name__)

CONTENT_TYPE_CHARS = 128


def keep_refused(
    hub: Hub,
    tenant_id: str,
    channel: str,
    payload: bytes,
    *,
    content_type: str,
    reason: str,
    external_id: str | None = None,
) -> int:
    """Store the payload as received, then mark it failed; returns the message id."""
    record = SourceRecord(
        tenant_id=tenant_id,
        channel=channel,
        external_id=external_id or "",
        payload=payload,
        content_type=content_type[:CONTENT_TYPE_CHARS],
    )
    return hub.pipeline.keep_refused(record, reason)


def log_unattributed(channel: str, payload: bytes, reason: str) -> None:
    """A refused payload no tenant can be named for: the log is all that keeps it."""
    log.warning(
        "payload_refused_unattributed",
        channel=channel,
        size=len(payload),
        checksum=checksum(payload),
        reason=reason,
        next_step="name the tenant with ?tenant= so refused bodies are kept",
    )
