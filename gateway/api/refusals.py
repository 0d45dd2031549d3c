"""Bodies refused before any reader could make sense of them, kept in the message log.

Nothing a sender posts is lost: a body that is not JSON, or not a requisition, is stored
as a failed message with the reason, so that an integrator can see what arrived.
"""

from __future__ import annotations

import structlog

from gateway.hub import Hub
from gateway.metrics import MESSAGES
from gateway.pipeline import checksum
from gateway.records import SourceRecord
from gateway.store.tables import Message

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
    message_id = hub.pipeline.store_message(record)
    with hub.db.session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        message.state = "failed"
        message.error = reason
        message.external_id = external_id
        message.dedupe_key = None  # it identifies no document, so it dedupes nothing
        message.updated_at = hub.clock.now()
    MESSAGES.labels(channel, "in", "failed").inc()
    log.warning(
        "payload_refused",
        tenant=tenant_id,
        channel=channel,
        message_id=message_id,
        reason=reason,
    )
    return message_id


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
