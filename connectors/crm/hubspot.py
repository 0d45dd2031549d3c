"""HubSpot app webhooks: a JSON array of events, signed with signature v3.

v3 is the base64 HMAC-SHA256, keyed with the app's client secret, of method, the
full public URI, the raw body and ``X-HubSpot-Request-Timestamp`` (milliseconds);
older than five minutes, either way, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from connectors.crm.inbound import (
    Answer,
    DealEvent,
    HookRefused,
    HookRequest,
    HookUnreadable,
    need,
    plain_ok,
)

WINDOW_MS = 5 * 60 * 1000


def signature_v3(secret: str, method: str, uri: str, body: bytes, ts: str) -> str:
    message = method.encode() + uri.encode() + body + ts.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(
        secret.encode() + method.encode() + uri.encode() + body
    ).hexdigest()


def signature_v1(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


class HubSpot:
    kind = "hubspot"

    def read(self, request: HookRequest) -> list[DealEvent]:
        self._verify(request)
        try:
            batch = json.loads(request.body)
        except ValueError as exc:
            raise HookUnreadable(f"the body is not JSON: {exc}") from exc
        if not isinstance(batch, list):
            raise HookUnreadable("HubSpot sends a JSON array of events")
        return [self._event(e) for e in batch if _is_deal(e)]

    def _verify(self, request: HookRequest) -> None:
        secret = need(request.settings, "client_secret", self.kind)
        given = request.headers.get("x-hubspot-signature-v3", "")
        ts = request.headers.get("x-hubspot-request-timestamp", "")
        if not given or not ts.isdigit():
            raise HookRefused("X-HubSpot-Signature-v3 or its timestamp is missing")
        now_ms = int(request.received_at.timestamp() * 1000)
        if abs(now_ms - int(ts)) > WINDOW_MS:
            raise HookRefused("X-HubSpot-Request-Timestamp is outside five minutes")
        uri = request.settings.get("public_url") or request.url
        expected = signature_v3(secret, request.method, uri, request.body, ts)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HookRefused("X-HubSpot-Signature-v3 does not match")

    @staticmethod
    def _event(event: dict[str, Any]) -> DealEvent:
        try:
            deal_id = str(event["objectId"])
            key = str(event["eventId"])
            occurred = int(event["occurredAt"])
        except (KeyError, TypeError, ValueError) as exc:
            raise HookUnreadable(f"a deal event lacks {exc}") from exc
        data: dict[str, Any] = {"subscription": event.get("subscriptionType")}
        if event.get("propertyName") == "dealstage":
            data["stage"] = event.get("propertyValue")
        return DealEvent(deal_id=deal_id, key=key, sequence=occurred, data=data)

    def answer(self, events: list[DealEvent]) -> Answer:
        return plain_ok(events)


def _is_deal(event: Any) -> bool:
    return isinstance(event, dict) and str(
        event.get("subscriptionType", "")
    ).startswith("deal.")
