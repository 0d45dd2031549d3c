"""The message log: every payload in or out, its state, and replay."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from gateway.api.access import fetch_visible, within_tenant
from gateway.api.attachments import download, download_stream, extension_for
from gateway.api.audit import write_audit
from gateway.api.auth import Caller, current_caller, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.filters import created_between, equal_to
from gateway.api.paging import Page, Paging, paginate
from gateway.api.params import Day, Id
from gateway.api.schemas import IntakeOut, MessageDetail, MessageSummary, ReplayOut
from gateway.hub import Hub
from gateway.store.payloads import is_chunked, iter_payload
from gateway.store.tables import Message

STATE_CHARS = 32
"""The column's length: states are free text, written by each channel's connector."""

router = APIRouter(prefix="/messages", tags=["messages"], responses=ERROR_RESPONSES)


@router.get("", response_model=Page[MessageSummary])
def list_messages(
    channel: str | None = None,
    direction: Literal["in", "out"] | None = None,
    state: str | None = Query(
        None, max_length=STATE_CHARS, description="e.g. received, held, failed"
    ),
    date_from: Day | None = Query(None, description="created on or after, UTC"),
    date_to: Day | None = Query(None, description="created on or before, UTC"),
    external_id: str | None = None,
    requisition_id: Id | None = None,
    order_id: Id | None = None,
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    paging: Paging = Depends(),
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Page[MessageSummary]:
    """Newest first; payloads are fetched one by one from ``/messages/{id}/payload``."""
    query = within_tenant(select(Message), Message.tenant_id, caller, tenant)
    query = query.where(*created_between(Message.created_at, date_from, date_to))
    query = query.where(
        *equal_to(
            {
                Message.channel: channel,
                Message.direction: direction,
                Message.state: state,
                Message.external_id: external_id,
                Message.requisition_id: requisition_id,
                Message.order_id: order_id,
            }
        )
    )
    query = query.order_by(
        Message.created_at.desc(),  # type: ignore[attr-defined]
        Message.id.desc(),  # type: ignore[union-attr]
    )
    with hub.db.session() as session:
        return paginate(session, query, paging, MessageSummary.model_validate)


@router.get("/{message_id}", response_model=MessageDetail)
def get_message(
    message_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> MessageDetail:
    with hub.db.session() as session:
        message = fetch_visible(session, Message, message_id, caller, "message")
        return MessageDetail.model_validate(message)


@router.get(
    "/{message_id}/payload",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_payload(
    message_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Response:
    """The payload byte for byte, with the content type it arrived or left with."""
    with hub.db.session() as session:
        message = fetch_visible(session, Message, message_id, caller, "message")
        unnamed = f"message-{message_id}{extension_for(message.content_type)}"
        name = message.filename or unnamed
        if is_chunked(message):
            chunks = iter_payload(hub.db, message)
            return download_stream(chunks, message.content_type, name)
        return download(message.payload, message.content_type, name)


@router.post("/{message_id}/replay", response_model=ReplayOut)
def replay_message(
    message_id: Id,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> ReplayOut:
    """Run a stored inbound payload through the path again, e.g. after a mapping fix."""
    with hub.db.session() as session:
        message = fetch_visible(session, Message, message_id, caller, "message")
    intakes = hub.pipeline.replay_message(message_id, actor=caller.actor)
    replays = [IntakeOut.model_validate(intake) for intake in intakes]
    with hub.db.session() as session:
        write_audit(
            hub,
            session,
            caller,
            "message.replay",
            f"message:{message_id}",
            tenant_id=message.tenant_id,
            details={"replays": [r.model_dump() for r in replays]},
        )
    return ReplayOut(message_id=message_id, replays=replays)
