"""One log line per HTTP request, and the request's context bound for every other line.

Headers are never logged: the Authorization header carries a live secret.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
QUIET_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})
"""Probed every few seconds; their lines go to DEBUG so they do not drown the rest."""
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id_of(scope: Scope) -> str:
    """The caller's request id when it looks harmless, a fresh one otherwise."""
    offered = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return offered if _ACCEPTABLE_REQUEST_ID.match(offered) else uuid.uuid4().hex


class RequestLog:
    """ASGI middleware; the tenant comes from ``request.state`` once auth has run."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = request_id_of(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        context = {
            "request_id": request_id,
            "method": scope["method"],
            "path": loggable_path(scope["path"]),
        }
        status = 500
        started = time.perf_counter()
        written = False

        def write_line() -> None:
            nonlocal written
            if written:
                return
            written = True
            write = log.debug if scope["path"] in QUIET_PATHS else log.info
            write(
                "http_request",
                **context,
                tenant=state.get("tenant"),
                token_id=state.get("token_id"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            elif message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                write_line()  # before the client has it all, so the line comes first
            await send(message)

        with structlog.contextvars.bound_contextvars(**context, tenant=None):
            try:
                await self.app(scope, receive, send_logged)
            finally:
                write_line()


SECRET_PATH_PREFIXES = ("/hooks/",)
"""Paths whose last segment is a secret (CRM hook URLs): never logged whole."""


def loggable_path(path: str) -> str:
    if path.startswith(SECRET_PATH_PREFIXES):
        head, _, _secret = path.rstrip("/").rpartition("/")
        return f"{head}/***"
    return path
