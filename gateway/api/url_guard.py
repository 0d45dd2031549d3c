"""Refuses URLs carrying a NUL character before any route sees them.

PostgreSQL text cannot hold NUL, so such a value would fail in the driver; no id,
filter or search the API takes can contain one.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.error_responses import error_response


class UrlGuard:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote(scope.get("query_string", b"").decode("latin-1"))
            if "\x00" in query or "\x00" in scope.get("path", ""):
                response = error_response(
                    400, "bad_request", "the URL contains a NUL character (%00)"
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
