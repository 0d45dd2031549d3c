"""Messages written straight into the log for console tests."""

from __future__ import annotations

import hashlib

from gateway.hub import Hub
from gateway.store.tables import Message

SCRIPT_PAYLOAD = (
    b'{"external_id": "X-1", "comment": "<script>alert(1)</script>'
    b'<img src=x onerror=alert(2)><b>bold</b>"}'
)


def store_message(
    hub: Hub,
    payload: bytes,
    content_type: str = "application/json",
    *,
    channel: str = "api",
    tenant: str = "acme",
    state: str = "failed",
) -> int:
    with hub.db.session() as session:
        message = Message(
            tenant_id=tenant,
            channel=channel,
            direction="in",
            kind="requisition",
            state=state,
            external_id="X-1",
            content_type=content_type,
            payload=payload,
            size=len(payload),
            checksum=hashlib.sha256(payload).hexdigest(),
            error="mapping failed: <b>not bold</b>",
        )
        session.add(message)
        session.flush()
        assert message.id is not None
        return message.id
