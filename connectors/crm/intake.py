"""``POST /hooks/{tenant}/{kind}/{secret}``: read, check, keep, answer, then work.

The body is read raw and capped before anything parses it; the CRM gets its 2xx as
soon as the events are stored, and the inbox is worked after the answer is sent (and
by the periodic job, for whatever a crash left behind).
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool

from connectors.crm.hooks import HookStore
from connectors.crm.inbound import Adapter, HookRefused, HookRequest, HookUnreadable
from connectors.crm.inbox import Inbox
from gateway.errors import GatewayError

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 1_000_000


class TooLarge(Exception):
    pass


def hook_router(
    hooks: HookStore, inbox: Inbox, adapters: dict[str, Adapter]
) -> APIRouter:
    router = APIRouter(tags=["crm hooks"], include_in_schema=False)

    @router.post("/hooks/{tenant}/{kind}/{secret}")
    async def receive_hook(
        tenant: str,
        kind: str,
        secret: str,
        request: Request,
        background: BackgroundTasks,
    ) -> Response:
        adapter = adapters.get(kind)
        hook = await run_in_threadpool(hooks.find, tenant, kind, secret)
        if adapter is None or hook is None:
            return Response("no such hook", status_code=404)
        try:
            body = await _read_capped(request)
        except TooLarge:
            log.warning("crm_hook_too_large", tenant=tenant, kind=kind)
            return Response("body too large", status_code=413)

        bound = log.bind(tenant=tenant, kind=kind, hook_id=hook.id)
        try:
            settings = hooks.settings(hook)
        except GatewayError as error:
            # The CRM retries later; the operator must give the gateway its key.
            bound.error("crm_hook_credentials_unreadable", reason=str(error))
            return Response("hook credentials unavailable", status_code=503)
        hook_request = HookRequest(
            method=request.method,
            url=_public_url(request, tenant, kind, secret),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            settings=settings,
            received_at=inbox.hub.clock.now(),
        )
        try:
            events = adapter.read(hook_request)
        except HookRefused as refusal:
            bound.warning("crm_hook_refused", reason=str(refusal))
            return Response("refused", status_code=401)
        except HookUnreadable as error:
            await run_in_threadpool(inbox.refuse_body, hook, body, str(error))
            bound.warning("crm_hook_unreadable", reason=str(error))
            return Response(str(error), status_code=400)

        content_type = request.headers.get("content-type", "")
        message_id = await run_in_threadpool(inbox.keep_body, hook, body, content_type)
        new = await run_in_threadpool(inbox.take, hook, message_id, events)
        bound.info(
            "crm_hook_received", message_id=message_id, events=len(events), new=new
        )
        if new:
            background.add_task(run_in_threadpool, inbox.run_once)
        answer = adapter.answer(events)
        return Response(answer.body, answer.status, media_type=answer.media_type)

    return router


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge
    return bytes(body)


def _public_url(request: Request, tenant: str, kind: str, secret: str) -> str:
    """The URL the CRM called, as signatures over the URI need it."""
    return str(request.url.replace(path=f"/hooks/{tenant}/{kind}/{secret}"))
