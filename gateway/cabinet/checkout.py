"""Checkout: the cart becomes a requisition on the ``cabinet`` channel.

The cart is priced at the tenant's current contract prices for the delivery
address's region, the approval rule is applied, and the requisition goes through
``Pipeline.receive`` like one from any other channel: stored in the message log,
mapped, validated, held or made ready for submission. The cart is emptied only
once the pipeline has kept the requisition.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import structlog

from gateway.cabinet import approvals, budgets, cart
from gateway.cabinet.actor import Actor
from gateway.cabinet.catalog import CatalogService, address_problem, lot_problem
from gateway.cabinet.errors import OrderingRefused
from gateway.cabinet.mapper import APPROVAL_FIELD, CHANNEL
from gateway.config import TenantSettings
from gateway.console.audit import audit
from gateway.hub import Hub
from gateway.plain import record_from_json

log = structlog.get_logger(__name__)

MAX_COMMENT = 1000


@dataclass(frozen=True)
class Checkout:
    requisition_id: int
    message_id: int
    external_id: str
    state: str
    total: Decimal
    hold_reasons: list[str]
    approval_id: int | None

    @property
    def awaiting_approval(self) -> bool:
        return self.approval_id is not None


def address_code(tenant: TenantSettings, code: Any) -> str:
    text = str(code or "").strip()
    addresses = tenant.delivery_addresses
    if not text:
        default = next((a for a in addresses if a.default), None)
        if default is None:
            raise OrderingRefused(["choose a delivery address"])
        return default.code
    if problem := address_problem(tenant, text):
        raise OrderingRefused([problem])
    return text


def check_out(
    hub: Hub,
    catalog: CatalogService,
    tenant: TenantSettings,
    actor: Actor,
    *,
    delivery_address: Any = None,
    cost_center: Any = None,
    comment: Any = None,
) -> Checkout:
    if not cart.lines(hub, tenant.id, actor.owner):
        # Said first: no other choice on the form matters while nothing is in it.
        raise OrderingRefused(["the cart is empty"])
    address = address_code(tenant, delivery_address)
    center = str(cost_center or "").strip() or None
    if center is not None:
        budgets.cost_center(hub, tenant.id, center)
    elif budgets.cost_centers(hub, tenant.id):
        raise OrderingRefused(["choose the cost centre this order is charged to"])
    note = str(comment or "").strip()
    if len(note) > MAX_COMMENT:
        raise OrderingRefused([f"the comment is longer than {MAX_COMMENT} characters"])
    if "\x00" in note:
        # Refused here while the buyer can still retype it: the pipeline would hold
        # the whole order for it, and no approval could release it.
        raise OrderingRefused(["the comment contains a NUL character; remove it"])

    lines = cart.priced(hub, catalog, tenant, actor.owner, address)
    if not lines:
        raise OrderingRefused(["the cart is empty"])
    problems = []
    for priced in lines:
        item = catalog.item(tenant, priced.line.article)
        if priced.offer is None:
            problems.append(
                f"article {item.article} is not sold in the delivery address's region"
            )
        elif problem := lot_problem(item, priced.line.quantity):
            problems.append(problem)
    if problems:
        raise OrderingRefused(problems)
    total = sum((p.amount or Decimal(0) for p in lines), Decimal("0.00"))

    now = hub.clock.now()
    month = budgets.month_of(now)
    assessment = approvals.assess(hub, tenant.id, total, center, month)
    external_id = f"cabinet-{now:%Y%m%d}-{secrets.token_hex(4)}"
    body: dict[str, Any] = {
        "external_id": external_id,
        "revision": "1",
        "number": external_id,
        "document_date": now.date().isoformat(),
        "delivery_address_code": address,
        "cost_center": center,
        "comment": note or None,
        "ordered_by": actor.title,
        "lines": [
            {
                "line_no": number,
                "article": p.line.article,
                "client_item_name": p.line.name,
                "quantity": str(p.line.quantity),
                "unit_code": p.line.unit_code,
                "expected_price": str(p.offer.price) if p.offer else None,
            }
            for number, p in enumerate(lines, start=1)
        ],
    }
    if assessment.needed:
        body[APPROVAL_FIELD] = assessment.reason
    raw = json.dumps(body, ensure_ascii=False).encode()
    intake = hub.pipeline.receive(record_from_json(tenant.id, CHANNEL, body, raw))
    if intake.requisition_id is None:
        raise OrderingRefused(intake.problems or ["the order could not be kept"])

    approval_id = None
    if assessment.needed:
        approval = approvals.open_approval(
            hub,
            tenant.id,
            intake.requisition_id,
            actor,
            assessment,
            amount=total,
            cost_center=center,
            month=month,
        )
        approval_id = approval.id
    cart.clear(hub, tenant.id, actor.owner)
    with hub.db.session() as session:
        audit(
            session,
            hub.clock,
            actor.name,
            "cart.checkout",
            f"requisition:{intake.requisition_id}",
            tenant_id=tenant.id,
            details={
                "external_id": external_id,
                "message_id": intake.message_id,
                "total": str(total),
                "lines": len(lines),
                "cost_center": center,
                "approval_id": approval_id,
            },
        )
    log.info(
        "cart_checked_out",
        tenant=tenant.id,
        requisition_id=intake.requisition_id,
        state=intake.state,
        total=str(total),
        awaiting_approval=assessment.needed,
    )
    return Checkout(
        requisition_id=intake.requisition_id,
        message_id=intake.message_id,
        external_id=external_id,
        state=intake.state or "received",
        total=total,
        hold_reasons=intake.problems,
        approval_id=approval_id,
    )
