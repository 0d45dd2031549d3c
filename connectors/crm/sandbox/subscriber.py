"""A subscriber's webhook endpoint: verifies each delivery and fails on demand.

It checks the Standard Webhooks signature with the ``standardwebhooks`` library, as
a subscriber would, and answers ``failing`` (a status code) while that is set. The
library compares the timestamp with the machine's clock; given a ``clock`` (a test's
manual one) the subscriber checks the same signature and five-minute window against
that clock instead.
"""

from __future__ import annotations

import hmac
import json
import threading
from datetime import timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from connectors.crm.signing import signature
from gateway.clock import Clock

WINDOW = timedelta(minutes=5)


class Subscriber:
    def __init__(self, secret: str = "", clock: Clock | None = None) -> None:
        self.secret = secret
        self.clock = clock
        self.failing: int | None = None
        self.verified: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.attempts = 0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        with self._lock:
            self.attempts += 1
            if self.failing is not None:
                return PlainTextResponse("failing on purpose", self.failing)
        try:
            payload = self._verify(body, dict(request.headers))
        except Exception as exc:  # the library raises several kinds; all mean no
            with self._lock:
                self.refused.append(str(exc))
            return PlainTextResponse(f"bad signature: {exc}", 401)
        with self._lock:
            self.verified.append(payload)
        return PlainTextResponse("ok")

    def _verify(self, body: bytes, headers: dict[str, str]) -> Any:
        if self.clock is None:
            return Webhook(self.secret).verify(body, headers)
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        sent = self.clock.now().fromtimestamp(timestamp, self.clock.now().tzinfo)
        if abs(self.clock.now() - sent) > WINDOW:
            raise ValueError("timestamp outside five minutes")
        expected = signature(self.secret, message_id, timestamp, body)
        given = headers["webhook-signature"].split(" ")
        if not any(hmac.compare_digest(expected, entry) for entry in given):
            raise ValueError("no matching signature")
        return json.loads(body)
