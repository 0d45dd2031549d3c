"""Orders: the listing with its filters, one order in full, and its document files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session

from gateway.api.access import fetch_visible, within_tenant
from gateway.api.attachments import download
from gateway.api.auth import Caller, current_caller
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.filters import contains, created_between
from gateway.api.paging import Page, Paging, paginate
from gateway.api.params import BoundedAmount, Day, Id, OneOf
from gateway.api.schemas import (
    DocumentFileOut,
    DocumentOut,
    OrderDetail,
    OrderLineOut,
    OrderSummary,
    RequisitionSummary,
    StatusChangeOut,
)
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.lifecycle import OrderStatus
from gateway.store.tables import (
    Document,
    DocumentFile,
    Order,
    OrderLine,
    OrderStatusChange,
    Requisition,
)

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)

Status = Annotated[str, OneOf(OrderStatus)]


@router.get("", response_model=Page[OrderSummary])
def list_orders(
    status: list[Status] | None = Query(None, description="repeat for several"),
    date_from: Day | None = Query(None, description="created on or after, UTC"),
    date_to: Day | None = Query(None, description="created on or before, UTC"),
    total_min: BoundedAmount | None = Query(None, examples=["1000.00"]),
    total_max: BoundedAmount | None = Query(None, examples=["5000.00"]),
    channel: str | None = None,
    q: str | None = Query(
        None,
        min_length=1,
        description="text in the order or Komus number, the requisition's number or "
        "external id, or a line's article or name",
    ),
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    paging: Paging = Depends(),
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Page[OrderSummary]:
    """Newest first."""
    if total_min is not None and total_max is not None and total_min > total_max:
        raise ValidationFailed([f"total_min {total_min} exceeds total_max {total_max}"])
    query = within_tenant(select(Order), Order.tenant_id, caller, tenant)
    query = query.where(*created_between(Order.created_at, date_from, date_to))
    if status:
        query = query.where(Order.status.in_(status))  # type: ignore[attr-defined]
    if total_min is not None:
        query = query.where(Order.total >= total_min)  # type: ignore[operator]
    if total_max is not None:
        query = query.where(Order.total <= total_max)  # type: ignore[operator]
    if channel:
        query = query.where(Order.channel == channel)
    if q:
        query = query.where(_mentions(q))
    newest_first = (Order.created_at.desc(), Order.id.desc())  # type: ignore[attr-defined]
    query = query.order_by(*newest_first)

    with hub.db.session() as session:
        return paginate(session, query, paging, OrderSummary.model_validate)


def _mentions(text: str) -> ColumnElement[bool]:
    requisitions = select(Requisition.id).where(
        or_(contains(Requisition.number, text), contains(Requisition.external_id, text))
    )
    lines = select(OrderLine.order_id).where(
        or_(contains(OrderLine.article, text), contains(OrderLine.name, text))
    )
    return or_(
        contains(Order.number, text),
        contains(Order.komus_order_id, text),
        Order.requisition_id.in_(requisitions),  # type: ignore[attr-defined]
        Order.id.in_(lines),  # type: ignore[union-attr]
    )


@router.get("/{order_id}", response_model=OrderDetail)
def get_order(
    order_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> OrderDetail:
    with hub.db.session() as session:
        order = fetch_visible(session, Order, order_id, caller, "order")
        lines = session.execute(
            select(OrderLine)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.line_no)
        ).scalars()
        history = session.execute(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.at, OrderStatusChange.id)
        ).scalars()
        requisition = session.get(Requisition, order.requisition_id)
        return OrderDetail(
            **OrderSummary.model_validate(order).model_dump(),
            lines=[OrderLineOut.model_validate(line) for line in lines],
            status_history=[StatusChangeOut.model_validate(c) for c in history],
            documents=_documents(session, order_id),
            requisition=RequisitionSummary.model_validate(requisition)
            if requisition
            else None,
        )


def _documents(session: Session, order_id: int) -> list[DocumentOut]:
    documents = list(
        session.execute(
            select(Document)
            .where(Document.order_id == order_id)
            .order_by(Document.created_at, Document.id)
        ).scalars()
    )
    files: dict[int, list[DocumentFileOut]] = {d.id: [] for d in documents if d.id}
    listing = session.execute(
        select(
            DocumentFile.id,
            DocumentFile.document_id,
            DocumentFile.filename,
            DocumentFile.content_type,
            DocumentFile.checksum,
            DocumentFile.created_at,
            func.length(DocumentFile.content).label("size"),
        )
        .where(DocumentFile.document_id.in_(files))  # type: ignore[attr-defined]
        .order_by(DocumentFile.id)
    )
    for row in listing.mappings():
        files[row["document_id"]].append(DocumentFileOut.model_validate(dict(row)))
    return [
        DocumentOut.model_validate({**d.model_dump(), "files": files[d.id]})  # type: ignore[index]
        for d in documents
    ]


@router.get(
    "/{order_id}/documents/{document_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_file(
    order_id: Id,
    document_id: Id,
    file_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Response:
    with hub.db.session() as session:
        fetch_visible(session, Order, order_id, caller, "order")
        document = session.get(Document, document_id)
        stored = session.get(DocumentFile, file_id)
        if document is None or document.order_id != order_id:
            raise NotFound(f"document {document_id} of order {order_id} does not exist")
        if stored is None or stored.document_id != document_id:
            raise NotFound(f"file {file_id} of document {document_id} does not exist")
        return download(stored.content, stored.content_type, stored.filename)
