"""The HTTP side: the exchange URL (and the path 1C-Bitrix setups expect), downloads.

``/1c/exchange`` and ``/bitrix/admin/1c_exchange.php`` take GET and POST with the
parameters in the query string (``POST mode=query`` with a form body works too);
the body of ``mode=file`` is read here, capped at the server's body limit, and the
rest is ``protocol.Protocol``'s, run in a worker thread.

``/1c/files/{id}/{name}`` hands out a stored document file (the invoice PDF, the
УПД XML) to whoever signs in with the tenant's 1C login, by Basic or the session
cookie: the links in ``query`` answers point here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from connectors.onec.protocol import Call, Protocol
from connectors.onec.sessions import COOKIE_NAME
from gateway.store.tables import Document, DocumentFile

if TYPE_CHECKING:
    from gateway.hub import Hub

EXCHANGE_PATHS = ("/1c/exchange", "/bitrix/admin/1c_exchange.php")
FILES_PATH = "/1c/files/{file_id}/{name}"
FORM = "application/x-www-form-urlencoded"


def exchange_router(hub: Hub, protocol: Protocol) -> APIRouter:
    router = APIRouter(tags=["1C exchange"])
    limit = hub.settings.server.max_body_bytes

    async def exchange(request: Request) -> Response:
        params = dict(request.query_params)
        body, refused = b"", None
        if request.method == "POST":
            body, refused = await _read(request, limit)
            if "mode" not in params and request.headers.get(
                "content-type", ""
            ).startswith(FORM):
                params.update(parse_qsl(body.decode("latin-1")))
                body = b""
        call = Call(
            type=params.get("type", "").strip().lower(),
            mode=params.get("mode", "").strip().lower(),
            params=params,
            authorization=request.headers.get("authorization"),
            cookie=request.cookies.get(COOKIE_NAME),
            body=body,
            body_refused=refused,
            base_url=str(request.base_url),
            address=request.client.host if request.client else "",
        )
        answer = await run_in_threadpool(protocol.handle, call)
        response = Response(answer.body, headers={"Content-Type": answer.content_type})
        for name, value in answer.cookies.items():
            response.set_cookie(name, value, httponly=True, samesite="lax")
        return response

    for path in EXCHANGE_PATHS:
        router.add_api_route(
            path,
            exchange,
            methods=["GET", "POST", "PUT"],
            include_in_schema=path == EXCHANGE_PATHS[0],
            summary="The 1C CommerceML exchange (type=sale|catalog|get_catalog)",
        )

    def download(file_id: int, name: str, request: Request) -> Response:
        profile = protocol.identify(
            request.headers.get("authorization"),
            request.cookies.get(COOKIE_NAME),
            request.client.host if request.client else "",
        )
        if profile is None:
            return Response(
                "sign in with the 1C exchange login\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="1C exchange"'},
                media_type="text/plain",
            )
        with hub.db.session() as session:
            stored = session.get(DocumentFile, file_id)
            document = session.get(Document, stored.document_id) if stored else None
            if (
                stored is None
                or document is None
                or (document.tenant_id != profile.tenant_id)
            ):
                return Response(
                    "no such file\n", status_code=404, media_type="text/plain"
                )
            return Response(
                stored.content,
                media_type=stored.content_type,
                headers={
                    "Content-Disposition": _disposition(stored.filename),
                },
            )

    router.add_api_route(
        FILES_PATH,
        download,
        methods=["GET"],
        summary="A document file (invoice PDF, УПД XML) for the tenant's 1C",
    )
    return router


async def _read(request: Request, limit: int) -> tuple[bytes, str | None]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", f"the request body is {declared} bytes; the gateway takes {limit}"
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"", f"the request body is over the {limit} bytes the gateway takes"
        chunks.append(chunk)
    return b"".join(chunks), None


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
