"""Requisitions as the gateway keeps them: state, hold reason and lines."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select

from gateway.api.access import fetch_visible, within_tenant
from gateway.api.auth import Caller, current_caller
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.filters import contains, created_between
from gateway.api.paging import Page, Paging, paginate
from gateway.api.params import Day, Id
from gateway.api.schemas import (
    RequisitionDetail,
    RequisitionLineOut,
    RequisitionSummary,
)
from gateway.hub import Hub
from gateway.store.tables import Order, Requisition, RequisitionLine

router = APIRouter(
    prefix="/requisitions", tags=["requisitions"], responses=ERROR_RESPONSES
)


@router.get("", response_model=Page[RequisitionSummary])
def list_requisitions(
    state: list[str] | None = Query(None, description="repeat for several"),
    channel: str | None = None,
    external_id: str | None = None,
    date_from: Day | None = Query(None, description="created on or after, UTC"),
    date_to: Day | None = Query(None, description="created on or before, UTC"),
    q: str | None = Query(None, min_length=1, description="text in number or id"),
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    paging: Paging = Depends(),
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Page[RequisitionSummary]:
    """Newest first."""
    query = within_tenant(select(Requisition), Requisition.tenant_id, caller, tenant)
    query = query.where(*created_between(Requisition.created_at, date_from, date_to))
    if state:
        query = query.where(Requisition.state.in_(state))  # type: ignore[attr-defined]
    if channel:
        query = query.where(Requisition.channel == channel)
    if external_id:
        query = query.where(Requisition.external_id == external_id)
    if q:
        query = query.where(
            or_(contains(Requisition.number, q), contains(Requisition.external_id, q))
        )
    query = query.order_by(
        Requisition.created_at.desc(),  # type: ignore[attr-defined]
        Requisition.id.desc(),  # type: ignore[union-attr]
    )
    with hub.db.session() as session:
        return paginate(session, query, paging, RequisitionSummary.model_validate)


@router.get("/{requisition_id}", response_model=RequisitionDetail)
def get_requisition(
    requisition_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> RequisitionDetail:
    with hub.db.session() as session:
        requisition = fetch_visible(
            session, Requisition, requisition_id, caller, "requisition"
        )
        lines = session.execute(
            select(RequisitionLine)
            .where(RequisitionLine.requisition_id == requisition_id)
            .order_by(RequisitionLine.line_no)
        ).scalars()
        order_id = session.execute(
            select(Order.id).where(Order.requisition_id == requisition_id)
        ).scalar_one_or_none()
        return RequisitionDetail.model_validate(
            {
                **requisition.model_dump(),
                "order_id": order_id,
                "lines": [RequisitionLineOut.model_validate(line) for line in lines],
            }
        )
