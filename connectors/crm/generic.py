"""A generic JSON hook signed the Standard Webhooks way, for CRMs without their own.

Body: ``{"type": "deal.updated", "timestamp": ISO, "data": {"id", "stage",
"version"?, "number"?, "lines": [{"item_code", "name", "quantity", "unit_code",
"price"}]}}``. The ``webhook-id`` header is the event's key.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from connectors.crm.inbound import (
    Answer,
    DealEvent,
    HookRefused,
    HookRequest,
    HookUnreadable,
    need,
    plain_ok,
)


class GenericJson:
    kind = "generic"

    def read(self, request: HookRequest) -> list[DealEvent]:
        secret = need(request.settings, "secret", self.kind)
        try:
            Webhook(secret).verify(request.body, request.headers)
        except Exception as exc:  # the library raises several kinds; all mean no
            raise HookRefused(f"Standard Webhooks signature refused: {exc}") from exc
        try:
            body = json.loads(request.body)
            data: dict[str, Any] = body["data"]
            moment = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise HookUnreadable(f"not a deal event: {exc!r}") from exc
        version = data.get("version")
        sequence = (
            int(version) if str(version).isdigit() else int(moment.timestamp() * 1000)
        )
        return [
            DealEvent(
                deal_id=str(data.get("id", "")),
                key=request.headers["webhook-id"],
                sequence=sequence,
                data={
                    "stage": data.get("stage"),
                    "title": data.get("title"),
                    "number": data.get("number"),
                    "lines": data.get("lines") or [],
                },
            )
        ]

    def answer(self, events: list[DealEvent]) -> Answer:
        return plain_ok(events)
