"""A loopback webhook receiver that counts what it accepted and fails on request."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"


class Receiver:
    """Answers POST /hook. ``replies`` are used in order, then ``default`` for the rest.

    With ``hang`` set, a request is held open until the client goes away or ``hang`` is
    cleared; a held request that loses its client is counted as abandoned, not accepted.
    """

    def __init__(self, delay: float = 0.0):
        self.replies: list[Reply] = []
        self.default = Reply()
        self.delay = delay
        self.hang = threading.Event()
        self.accepted: Counter[str] = Counter()
        self.requests: list[tuple[str, bytes]] = []
        self.abandoned: list[str] = []
        self.in_flight = 0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> PlainTextResponse:
        key = request.headers.get("idempotency-key", "")
        body = await request.body()
        with self._lock:
            self.requests.append((key, body))
            self.in_flight += 1
        try:
            while self.hang.is_set():
                if await request.is_disconnected():
                    with self._lock:
                        self.abandoned.append(key)
                    return PlainTextResponse("gone", status_code=499)
                await asyncio.sleep(0.05)
            if self.delay:
                await asyncio.sleep(self.delay)
            with self._lock:
                reply = self.replies.pop(0) if self.replies else self.default
                if 200 <= reply.status < 300:
                    self.accepted[key] += 1
            return PlainTextResponse(reply.body, reply.status, headers=reply.headers)
        finally:
            with self._lock:
                self.in_flight -= 1
