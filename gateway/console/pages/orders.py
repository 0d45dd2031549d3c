"""Orders: the listing, one order with its lines, story and documents, and actions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from gateway.api.attachments import download
from gateway.console.access import (
    PageMissing,
    Posted,
    allowed,
    console_of,
    posted,
    tenant_row,
)
from gateway.console.listing import Query, fetch_page
from gateway.console.order_actions import cancellable, repeat_order, request_cancel
from gateway.console.order_list import SORTS, STATUSES, order_query
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.console.timeline import order_timeline
from gateway.console.upd_view import read_upd
from gateway.store.tables import (
    Document,
    DocumentFile,
    Order,
    OrderLine,
    Requisition,
)

router = APIRouter()

NOTES = {
    "repeated": "Создана новая заявка по этому заказу; заказ появится после отправки.",
    "cancel-asked": "Отмена запрошена у Комуса; статус изменится после ответа.",
    "cancel-again": "Отмена уже запрошена раньше.",
    "not-cancellable": "Этот заказ уже нельзя отменить.",
}


@router.get("/orders")
def order_list(
    request: Request, operator: Operator = Depends(allowed("orders.view"))
) -> Response:
    hub = console_of(request).hub
    query = Query.of(request.query_params)
    statement = order_query(query, operator.tenant_id)
    with hub.db.session() as session:
        page = fetch_page(session, statement, query.page())
        channels = [
            c for c in session.execute(select(Order.channel).distinct()).scalars() if c
        ]
    return render(
        "orders.html",
        {
            "operator": operator,
            "page": page,
            "query": query,
            "statuses": STATUSES,
            "sorts": SORTS,
            "channels": sorted(channels),
            "note": NOTES.get(request.query_params.get("note", "")),
        },
    )


@router.get("/orders/{order_id}")
def order_page(
    order_id: int,
    request: Request,
    operator: Operator = Depends(allowed("orders.view")),
) -> Response:
    order = tenant_row(request, operator, Order, order_id)
    hub = console_of(request).hub
    with hub.db.session() as session:
        lines = list(
            session.execute(
                select(OrderLine)
                .where(OrderLine.order_id == order_id)
                .order_by(OrderLine.line_no)
            ).scalars()
        )
        requisition = session.get(Requisition, order.requisition_id)
        timeline = order_timeline(session, order)
        documents = list(
            session.execute(
                select(Document)
                .where(Document.order_id == order_id)
                .order_by(Document.created_at, Document.id)
            ).scalars()
        )
        files = session.execute(
            select(
                DocumentFile.id,
                DocumentFile.document_id,
                DocumentFile.filename,
                DocumentFile.content_type,
                func.length(DocumentFile.content).label("size"),
            ).where(
                DocumentFile.document_id.in_(  # type: ignore[attr-defined]
                    [d.id for d in documents]
                )
            )
        ).all()
    return render(
        "order.html",
        {
            "operator": operator,
            "order": order,
            "lines": lines,
            "requisition": requisition,
            "timeline": timeline,
            "documents": documents,
            "files": files,
            "cancellable": cancellable(order),
            "note": NOTES.get(request.query_params.get("note", "")),
        },
    )


@router.post("/orders/{order_id}/repeat")
def repeat(
    order_id: int, request: Request, done: Posted = Depends(posted("orders.repeat"))
) -> Response:
    order = tenant_row(request, done.operator, Order, order_id)
    repeat_order(console_of(request).hub, done.operator, order)
    return RedirectResponse("/console/orders?note=repeated", 303)


@router.post("/orders/{order_id}/cancel")
def cancel(
    order_id: int, request: Request, done: Posted = Depends(posted("orders.cancel"))
) -> Response:
    order = tenant_row(request, done.operator, Order, order_id)
    if not cancellable(order):
        note = "not-cancellable"
    elif request_cancel(console_of(request).hub, done.operator, order):
        note = "cancel-asked"
    else:
        note = "cancel-again"
    return RedirectResponse(f"/console/orders/{order_id}?note={note}", 303)


def _file(
    request: Request, operator: Operator, order_id: int, file_id: int
) -> DocumentFile:
    tenant_row(request, operator, Order, order_id)
    with console_of(request).hub.db.session() as session:
        stored = session.get(DocumentFile, file_id)
        document = session.get(Document, stored.document_id) if stored else None
    if stored is None or document is None or document.order_id != order_id:
        raise PageMissing()
    return stored


@router.get("/orders/{order_id}/files/{file_id}")
def file_download(
    order_id: int,
    file_id: int,
    request: Request,
    operator: Operator = Depends(allowed("documents.download")),
) -> Response:
    stored = _file(request, operator, order_id, file_id)
    return download(stored.content, stored.content_type, stored.filename)


@router.get("/orders/{order_id}/files/{file_id}/view")
def file_view(
    order_id: int,
    file_id: int,
    request: Request,
    operator: Operator = Depends(allowed("documents.view")),
) -> Response:
    stored = _file(request, operator, order_id, file_id)
    return render(
        "upd.html",
        {
            "operator": operator,
            "order_id": order_id,
            "stored": stored,
            "upd": read_upd(stored.content),
        },
    )
