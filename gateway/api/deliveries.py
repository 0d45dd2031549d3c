"""The outbox seen from outside: deliveries, their attempts, retry and replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlmodel import Session

from gateway.api.access import fetch_visible, within_tenant
from gateway.api.auth import Caller, current_caller, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.filters import equal_to
from gateway.api.paging import Page, Paging, paginate
from gateway.api.params import Id, OneOf
from gateway.api.schemas import AttemptOut, DeliveryDetail, DeliverySummary
from gateway.hub import Hub
from gateway.outbox import STATES
from gateway.store.tables import Attempt, Delivery

router = APIRouter(prefix="/deliveries", tags=["deliveries"], responses=ERROR_RESPONSES)

State = Annotated[str, OneOf(STATES)]


@router.get("", response_model=Page[DeliverySummary])
def list_deliveries(
    state: list[State] | None = Query(None, description="repeat for several"),
    channel: str | None = None,
    event_type: str | None = None,
    order_id: Id | None = None,
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    paging: Paging = Depends(),
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Page[DeliverySummary]:
    """Newest first."""
    query = within_tenant(select(Delivery), Delivery.tenant_id, caller, tenant)
    if state:
        query = query.where(Delivery.state.in_(state))  # type: ignore[attr-defined]
    query = query.where(
        *equal_to(
            {
                Delivery.channel: channel,
                Delivery.event_type: event_type,
                Delivery.order_id: order_id,
            }
        )
    )
    query = query.order_by(Delivery.id.desc())  # type: ignore[union-attr]
    with hub.db.session() as session:
        return paginate(session, query, paging, DeliverySummary.model_validate)


@router.get("/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(
    delivery_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> DeliveryDetail:
    with hub.db.session() as session:
        delivery = fetch_visible(session, Delivery, delivery_id, caller, "delivery")
        return _detail(session, delivery)


@router.post("/{delivery_id}/retry", response_model=DeliveryDetail)
def retry_delivery(
    delivery_id: Id,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> DeliveryDetail:
    """Send a retrying or dead delivery again at the next dispatch; audited."""
    with hub.db.session() as session:
        fetch_visible(session, Delivery, delivery_id, caller, "delivery")
    retried = hub.outbox.retry(delivery_id, actor=caller.actor)
    with hub.db.session() as session:
        return _detail(session, retried)


@router.post("/{delivery_id}/replay", status_code=201, response_model=DeliveryDetail)
def replay_delivery(
    delivery_id: Id,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> DeliveryDetail:
    """Queue the original payload again as a new delivery; answers the new one."""
    with hub.db.session() as session:
        fetch_visible(session, Delivery, delivery_id, caller, "delivery")
    copy = hub.outbox.replay(delivery_id, actor=caller.actor)
    with hub.db.session() as session:
        return _detail(session, copy)


def _detail(session: Session, delivery: Delivery) -> DeliveryDetail:
    attempts = session.execute(
        select(Attempt)
        .where(Attempt.delivery_id == delivery.id)
        .order_by(Attempt.number, Attempt.id)
    ).scalars()
    return DeliveryDetail.model_validate(
        {
            **delivery.model_dump(exclude={"payload", "headers"}),
            "attempt_history": [AttemptOut.model_validate(a) for a in attempts],
        }
    )
