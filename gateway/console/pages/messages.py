"""The message log: every payload with filters, one message shown safely, replay."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway.api.filters import contains, created_between
from gateway.console.access import (
    Posted,
    allowed,
    console_of,
    posted,
    tenant_row,
)
from gateway.console.audit import audit
from gateway.console.listing import Query, fetch_page
from gateway.console.payloads import MAX_SHOWN, ShownPayload, show
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.errors import GatewayError
from gateway.hub import Hub
from gateway.store.payloads import payload_head
from gateway.store.tables import Message, Order

router = APIRouter()


@router.get("/messages")
def message_list(
    request: Request, operator: Operator = Depends(allowed("messages.view"))
) -> Response:
    query = Query.of(request.query_params)
    statement = select(Message)
    if operator.tenant_id is not None:
        statement = statement.where(Message.tenant_id == operator.tenant_id)
    date_from = query.day("from", "с даты")
    date_to = query.day("to", "по дату")
    if not (date_from and date_to and date_from > date_to):
        statement = statement.where(
            *created_between(Message.created_at, date_from, date_to)
        )
    for name, column in (
        ("channel", Message.channel),
        ("state", Message.state),
        ("direction", Message.direction),
    ):
        if value := query.text(name, 32):
            statement = statement.where(column == value)
    if text := query.text("q"):
        statement = statement.where(contains(Message.external_id, text))
    created: object = Message.created_at
    statement = statement.order_by(
        created.desc(),  # type: ignore[attr-defined]
        Message.id.desc(),  # type: ignore[union-attr]
    )
    with console_of(request).hub.db.session() as session:
        page = fetch_page(session, statement, query.page())
    return render("messages.html", {"operator": operator, "page": page, "query": query})


def _shown(hub: Hub, message: Message) -> ShownPayload:
    """The head of the payload: a large one is kept in chunks, not in the row."""
    return show(payload_head(hub.db, message, MAX_SHOWN + 1), message.content_type)


@router.get("/messages/{message_id}")
def message_page(
    message_id: int,
    request: Request,
    operator: Operator = Depends(allowed("messages.view")),
) -> Response:
    message = tenant_row(request, operator, Message, message_id)
    with console_of(request).hub.db.session() as session:
        replays = list(
            session.execute(
                select(Message)
                .where(Message.replay_of == message_id)
                .order_by(Message.id)  # type: ignore[arg-type]
            ).scalars()
        )
        order = (
            session.execute(
                select(Order).where(Order.requisition_id == message.requisition_id)
            ).scalar_one_or_none()
            if message.requisition_id
            else None
        )
    return render(
        "message.html",
        {
            "operator": operator,
            "message": message,
            "shown": _shown(console_of(request).hub, message),
            "replays": replays,
            "order": order,
            "error": request.query_params.get("failed") and "Повтор не удался.",
        },
    )


@router.post("/messages/{message_id}/replay")
def replay(
    message_id: int,
    request: Request,
    done: Posted = Depends(posted("messages.replay")),
) -> Response:
    message = tenant_row(request, done.operator, Message, message_id)
    hub = console_of(request).hub
    try:
        intakes = hub.pipeline.replay_message(message_id, actor=done.operator.actor)
    except GatewayError as error:
        return render(
            "message.html",
            {
                "operator": done.operator,
                "message": message,
                "shown": _shown(hub, message),
                "replays": [],
                "order": None,
                "error": f"Повтор невозможен: {error}",
            },
            status_code=409,
        )
    with hub.db.session() as session:
        audit(
            session,
            hub.clock,
            done.operator.actor,
            "message.replay",
            f"message:{message_id}",
            tenant_id=message.tenant_id,
            details={
                "replays": [
                    {"message_id": i.message_id, "outcome": i.outcome} for i in intakes
                ]
            },
        )
    return RedirectResponse(f"/console/messages/{message_id}#replays", 303)
