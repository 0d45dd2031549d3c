"""What stands in front of the Komus API: the token, the rate limit, injected faults.

A plain ASGI middleware, so that a held-back answer (an injected timeout) can wait
for the client to hang up instead of keeping a worker thread or the server's
shutdown waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from starlette.datastructures import Headers

from connectors.komus.sandbox.clock import komus_time
from connectors.komus.sandbox.errors import error_body
from connectors.komus.sandbox.faults import Fault
from connectors.komus.sandbox.limits import Outcome
from connectors.komus.sandbox.state import SandboxState

log = structlog.get_logger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

API_PREFIX = "/api2"
CLIENT_KEY = "komus_client"
UNKNOWN_TOKEN = "(unknown)"
SERVER_ERRORS = {
    500: "Внутренняя ошибка сервера",
    503: "Сервис временно недоступен, повторите запрос позже",
}


class KomusGate:
    def __init__(self, app: ASGIApp, state: SandboxState):
        self.app = app
        self.state = state

    async def __call__(
        self, scope: MutableMapping[str, Any], receive: Receive, send: Send
    ) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (
            path == API_PREFIX or path.startswith(API_PREFIX + "/")
        ):
            await self.app(scope, receive, send)
            return

        token = Headers(scope=scope).get("token", "")
        client = self.state.clients.get(token) if token else None
        if client is None:
            self.state.stats.request(UNKNOWN_TOKEN)
            message = "Не передан токен" if not token else "Неизвестный токен"
            await _reply(send, 401, message)
            return

        self.state.stats.request(token)
        send = self._recorded(send, token)
        if await self._refused_by_limit(send, token):
            return

        draw = self.state.faults.draw(scope["method"], path[len(API_PREFIX) :])
        if draw.latency_seconds:
            await asyncio.sleep(draw.latency_seconds)
        if draw.fault is Fault.ERROR:
            log.info(
                "komus_sandbox_fault", fault="error", status=draw.status, path=path
            )
            await _reply(send, draw.status, SERVER_ERRORS[draw.status])
            return
        if draw.fault is Fault.THROTTLE:
            seconds = self.state.faults.plan.retry_after_seconds
            log.info("komus_sandbox_fault", fault="throttle", path=path)
            await _reply(
                send,
                429,
                "Слишком много запросов, повторите позже",
                {"retry-after": str(seconds)},
            )
            return

        scope.setdefault("state", {})[CLIENT_KEY] = client
        if draw.fault is Fault.TIMEOUT:
            log.info("komus_sandbox_fault", fault="timeout", path=path)
            await self._held(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refused_by_limit(self, send: Send, token: str) -> bool:
        verdict = self.state.limiter.check(token)
        if verdict.outcome is Outcome.ALLOWED:
            return False
        until = komus_time(verdict.blocked_until) if verdict.blocked_until else "?"
        headers = {"retry-after": str(verdict.retry_after)}
        limit = self.state.limiter.per_minute
        if verdict.outcome is Outcome.LIMITED:
            log.warning("komus_sandbox_token_blocked", until=until, limit=limit)
            await _reply(
                send,
                429,
                f"Превышен лимит {limit} запросов в минуту; "
                f"токен заблокирован до {until}",
                headers,
            )
        else:
            await _reply(
                send,
                403,
                f"Токен заблокирован до {until} за превышение лимита запросов",
                headers,
            )
        return True

    async def _held(
        self, scope: MutableMapping[str, Any], receive: Receive, send: Send
    ) -> None:
        """Handle the request, then sit on the answer past the client's timeout."""
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        seconds = self.state.faults.plan.timeout_seconds
        try:
            await asyncio.wait_for(_hang_up(receive), timeout=seconds)
        except TimeoutError:
            for message in answer:
                await send(message)

    def _recorded(self, send: Send, token: str) -> Send:
        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.state.stats.response(token, message["status"])
            await send(message)

        return recording


async def _hang_up(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _reply(
    send: Send, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error_body(status, message), ensure_ascii=False).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
