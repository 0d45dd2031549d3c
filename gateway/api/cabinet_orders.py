"""Ordering from the Komus catalog over REST: search, cart, templates, checkout,
approvals, cost centres and budgets.

A tenant-bound token works in its own tenant; an all-tenant token names one with
``?tenant=``. The cart belongs to the token (one cart per token and tenant), just
as in the console it belongs to the signed-in user. Ordering needs a ``manager``
token; setting budgets, cost centres and the approval rule needs ``admin``;
deciding an approval needs ``admin`` too, and never the token that ordered.

A write refused for its content (unknown article, a quantity that is not a whole
number of lots, ...) answers 422 with the reasons, and its body is kept in the
message log as a failed ``cabinet`` message with the same reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel

from gateway.api.auth import Caller, current_caller, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.refusals import keep_refused
from gateway.cabinet import approvals, budgets, cart, templates
from gateway.cabinet.actor import Actor
from gateway.cabinet.catalog import Hit, Offer
from gateway.cabinet.channel import catalog_of, install
from gateway.cabinet.checkout import check_out
from gateway.cabinet.errors import OrderingRefused
from gateway.cabinet.mapper import CHANNEL
from gateway.config import TenantSettings
from gateway.errors import NotFound, PermissionDenied, ValidationFailed
from gateway.hub import Hub
from gateway.store.ordering import Approval

router = APIRouter(tags=["cabinet"], responses=ERROR_RESPONSES)

TenantQuery = Query(None, description="all-tenant tokens only: the tenant to work in")


# -- shapes --------------------------------------------------------------------------


class OfferOut(BaseModel):
    price: Decimal
    stock: Decimal
    vat_percent: int | None = None


class AnalogueOut(BaseModel):
    article: str
    name: str
    offer: OfferOut | None


class HitOut(BaseModel):
    article: str
    name: str
    category_id: int | None
    category: str | None
    brand: str | None
    vendor_code: str | None
    unit_code: str
    unit: str | None
    barcodes: list[str]
    min_quantity: Decimal
    multiplicity: Decimal
    offer: OfferOut | None
    orderable: bool
    analogues: list[AnalogueOut]


class SearchOut(BaseModel):
    kind: str
    query: str
    region: str | None
    total: int
    page: int
    page_size: int
    items: list[HitOut]


class CartLineOut(BaseModel):
    article: str
    name: str
    unit_code: str
    quantity: Decimal
    price: Decimal | None
    amount: Decimal | None


class CartOut(BaseModel):
    tenant_id: str
    lines: list[CartLineOut]
    total: Decimal


class CheckoutOut(BaseModel):
    requisition_id: int
    message_id: int
    external_id: str
    state: str
    total: Decimal
    hold_reasons: list[str]
    approval_id: int | None


class TemplateOut(BaseModel):
    id: int
    name: str
    lines: int
    created_by: str


class LoadedOut(BaseModel):
    added: int
    skipped: list[str]


class ApprovalOut(BaseModel):
    id: int
    tenant_id: str
    requisition_id: int
    requisition_state: str | None = None
    state: str
    amount: Decimal
    cost_center: str | None
    month: str
    reason: str
    approver_role: str | None
    approver_login: str | None
    requested_by: str
    decided_by: str | None
    decision_note: str | None


class RuleOut(BaseModel):
    tenant_id: str
    order_limit: Decimal | None
    over_budget: bool
    approver_role: str | None
    approver_login: str | None


class CostCenterOut(BaseModel):
    code: str
    name: str


class BudgetOut(BaseModel):
    cost_center: str
    name: str
    month: str
    amount: Decimal | None
    spent: Decimal
    committed: Decimal
    remaining: Decimal | None


# -- helpers -------------------------------------------------------------------------


def _tenant(hub: Hub, caller: Caller, requested: str | None) -> TenantSettings:
    name = requested or caller.tenant_id
    if name is None:
        raise ValidationFailed(["an all-tenant token must name the tenant: ?tenant="])
    if not caller.can_see(name):
        raise PermissionDenied(
            f"this token is limited to tenant {caller.tenant_id!r}; "
            "another tenant needs an all-tenant token"
        )
    found = hub.settings.tenant(name)
    if found is None:
        raise NotFound(f"tenant {name!r} is not configured")
    return found


def _actor(caller: Caller) -> Actor:
    return Actor(
        owner=f"token:{caller.token_id}",
        name=caller.actor,
        role=caller.role,
        tenant_id=caller.tenant_id,
    )


def _kept(hub: Hub, tenant: TenantSettings, body: Any, action: Any) -> Any:
    """Run a write; a refusal keeps its body in the message log with the reasons."""
    try:
        return action()
    except OrderingRefused as refused:
        raw = json.dumps(body, ensure_ascii=False, default=str).encode()
        keep_refused(
            hub,
            tenant.id,
            CHANNEL,
            raw,
            content_type="application/json",
            reason="; ".join(refused.reasons)[:2000],
        )
        raise


def _offer(offer: Offer | None) -> OfferOut | None:
    if offer is None:
        return None
    return OfferOut(price=offer.price, stock=offer.stock, vat_percent=offer.vat_percent)


def _hit(hit: Hit) -> HitOut:
    item = hit.item
    return HitOut(
        article=item.article,
        name=item.name,
        category_id=item.category_id,
        category=hit.category,
        brand=item.brand,
        vendor_code=item.vendor_code,
        unit_code=item.unit_code,
        unit=item.unit,
        barcodes=list(item.barcodes),
        min_quantity=item.min_quantity,
        multiplicity=item.multiplicity,
        offer=_offer(hit.offer),
        orderable=hit.orderable,
        analogues=[
            AnalogueOut(article=a.article, name=a.name, offer=_offer(o))
            for a, o in hit.analogues
        ],
    )


def _cart(hub: Hub, tenant: TenantSettings, owner: str) -> CartOut:
    lines = cart.priced(hub, catalog_of(hub), tenant, owner)
    return CartOut(
        tenant_id=tenant.id,
        lines=[
            CartLineOut(
                article=p.line.article,
                name=p.line.name,
                unit_code=p.line.unit_code,
                quantity=p.line.quantity,
                price=p.offer.price if p.offer else None,
                amount=p.amount,
            )
            for p in lines
        ],
        total=sum((p.amount or Decimal(0) for p in lines), Decimal("0.00")),
    )


def _approval(approval: Approval, state: str | None = None) -> ApprovalOut:
    assert approval.id is not None
    return ApprovalOut(
        id=approval.id,
        tenant_id=approval.tenant_id,
        requisition_id=approval.requisition_id,
        requisition_state=state,
        state=approval.state,
        amount=approval.amount,
        cost_center=approval.cost_center,
        month=approval.month,
        reason=approval.reason,
        approver_role=approval.approver_role,
        approver_login=approval.approver_login,
        requested_by=approval.requested_by_name,
        decided_by=approval.decided_by_name,
        decision_note=approval.decision_note,
    )


def _budget(state: budgets.BudgetState) -> BudgetOut:
    return BudgetOut(
        cost_center=state.cost_center,
        name=state.name,
        month=state.month,
        amount=state.amount,
        spent=state.spent,
        committed=state.committed,
        remaining=state.remaining,
    )


# -- catalog -------------------------------------------------------------------------


@router.get("/catalog", response_model=SearchOut)
def search_catalog(
    q: str = Query("", max_length=200, description="name, article or EAN-13 barcode"),
    category: int | None = Query(None, description="a category id; its subtree"),
    address: str | None = Query(None, description="delivery address code: region"),
    page: int = Query(1, ge=1),
    page_size: int = Query(20, ge=1, le=100),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> SearchOut:
    """Search by name (any case, ё or е), article, barcode or category."""
    owner = _tenant(hub, caller, tenant)
    found = catalog_of(hub).search(
        owner,
        q,
        category_id=category,
        address_code=address,
        page=page,
        page_size=page_size,
    )
    return SearchOut(
        kind=found.kind,
        query=found.query,
        region=found.region,
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        items=[_hit(h) for h in found.hits],
    )


# -- cart ----------------------------------------------------------------------------


def _cart_line(
    hub: Hub,
    caller: Caller,
    tenant: str | None,
    body: dict[str, Any],
    write: Callable[..., Any],
    article: str,
) -> CartOut:
    """Add or change a cart line with ``write``; a refused body is kept with why."""
    owner = _tenant(hub, caller, tenant)
    actor = _actor(caller)
    _kept(
        hub,
        owner,
        body,
        lambda: write(
            hub, catalog_of(hub), owner, actor, article, body.get("quantity")
        ),
    )
    return _cart(hub, owner, actor.owner)


@router.get("/cart", response_model=CartOut)
def get_cart(
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> CartOut:
    owner = _tenant(hub, caller, tenant)
    return _cart(hub, owner, _actor(caller).owner)


@router.post("/cart/lines", response_model=CartOut, status_code=201)
def add_to_cart(
    body: dict[str, Any] = Body(..., examples=[{"article": "192678", "quantity": 2}]),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> CartOut:
    """Add a quantity of an article; it must be a whole number of minimum lots."""
    article = str(body.get("article") or "")
    return _cart_line(hub, caller, tenant, body, cart.add, article)


@router.patch("/cart/lines/{article}", response_model=CartOut)
def change_cart_line(
    article: str,
    body: dict[str, Any] = Body(..., examples=[{"quantity": 4}]),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> CartOut:
    body = {"article": article, **body}
    return _cart_line(hub, caller, tenant, body, cart.change, article)


@router.delete("/cart/lines/{article}", response_model=CartOut)
def remove_cart_line(
    article: str,
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> CartOut:
    owner = _tenant(hub, caller, tenant)
    actor = _actor(caller)
    cart.remove(hub, owner.id, actor, article)
    return _cart(hub, owner, actor.owner)


@router.delete("/cart", status_code=204)
def clear_cart(
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> Response:
    owner = _tenant(hub, caller, tenant)
    cart.clear(hub, owner.id, _actor(caller).owner)
    return Response(status_code=204)


@router.post("/cart/checkout", response_model=CheckoutOut, status_code=201)
def checkout(
    body: dict[str, Any] = Body(
        default_factory=dict,
        examples=[{"delivery_address": "MAIN", "cost_center": "IT"}],
    ),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> CheckoutOut:
    """Order the cart: a requisition on the ``cabinet`` channel, maybe held."""
    owner = _tenant(hub, caller, tenant)
    install(hub)
    done = _kept(
        hub,
        owner,
        body,
        lambda: check_out(
            hub,
            catalog_of(hub),
            owner,
            _actor(caller),
            delivery_address=body.get("delivery_address"),
            cost_center=body.get("cost_center"),
            comment=body.get("comment"),
        ),
    )
    return CheckoutOut(
        requisition_id=done.requisition_id,
        message_id=done.message_id,
        external_id=done.external_id,
        state=done.state,
        total=done.total,
        hold_reasons=done.hold_reasons,
        approval_id=done.approval_id,
    )


# -- templates -----------------------------------------------------------------------


@router.get("/templates", response_model=list[TemplateOut])
def list_templates(
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> list[TemplateOut]:
    owner = _tenant(hub, caller, tenant)
    return [
        TemplateOut(id=t.id, name=t.name, lines=count, created_by=t.created_by)  # type: ignore[arg-type]
        for t, count in templates.listing(hub, owner.id)
    ]


@router.post("/templates", response_model=TemplateOut, status_code=201)
def save_template(
    body: dict[str, Any] = Body(..., examples=[{"name": "канцелярия на месяц"}]),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> TemplateOut:
    """Save the token's cart under a name; an existing name is replaced."""
    owner = _tenant(hub, caller, tenant)
    saved = _kept(
        hub,
        owner,
        body,
        lambda: templates.save_cart(
            hub, owner.id, _actor(caller), str(body.get("name") or "")
        ),
    )
    count = next(c for t, c in templates.listing(hub, owner.id) if t.id == saved.id)
    return TemplateOut(
        id=saved.id, name=saved.name, lines=count, created_by=saved.created_by
    )


@router.post("/templates/{template_id}/load", response_model=LoadedOut)
def load_template(
    template_id: int,
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> LoadedOut:
    owner = _tenant(hub, caller, tenant)
    loaded = templates.load_into_cart(
        hub, catalog_of(hub), owner, _actor(caller), template_id
    )
    return LoadedOut(added=loaded.added, skipped=loaded.skipped)


@router.delete("/templates/{template_id}", status_code=204)
def delete_template(
    template_id: int,
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> Response:
    owner = _tenant(hub, caller, tenant)
    templates.delete_template(hub, owner.id, _actor(caller), template_id)
    return Response(status_code=204)


# -- approvals -----------------------------------------------------------------------


@router.get("/approvals", response_model=list[ApprovalOut])
def list_approvals(
    state: str | None = Query(None, pattern="^(pending|approved|rejected)$"),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> list[ApprovalOut]:
    scope = caller.tenant_filter(tenant)
    return [
        _approval(a, r.state) for a, r in approvals.listing(hub, scope, state or None)
    ]


@router.get("/approvals/{approval_id}", response_model=ApprovalOut)
def get_approval(
    approval_id: int,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> ApprovalOut:
    return _approval(approvals.get(hub, approval_id, _actor(caller)))


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalOut)
def approve(
    approval_id: int,
    body: dict[str, Any] = Body(default_factory=dict),
    caller: Caller = Depends(require("admin")),
    hub: Hub = Depends(get_hub),
) -> ApprovalOut:
    """Release the held order to Komus; refused to the token that ordered it."""
    decided = approvals.approve(hub, approval_id, _actor(caller), body.get("note"))
    return _approval(decided)


@router.post("/approvals/{approval_id}/reject", response_model=ApprovalOut)
def reject(
    approval_id: int,
    body: dict[str, Any] = Body(..., examples=[{"note": "not this month"}]),
    caller: Caller = Depends(require("admin")),
    hub: Hub = Depends(get_hub),
) -> ApprovalOut:
    """Cancel the held order with a reason (``note``, required)."""
    decided = approvals.reject(hub, approval_id, _actor(caller), body.get("note"))
    return _approval(decided)


@router.get("/approval-rule", response_model=RuleOut | None)
def get_rule(
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> RuleOut | None:
    owner = _tenant(hub, caller, tenant)
    found = approvals.rule(hub, owner.id)
    return (
        None if found is None else RuleOut.model_validate(found, from_attributes=True)
    )


@router.put("/approval-rule", response_model=RuleOut)
def put_rule(
    body: dict[str, Any] = Body(
        ...,
        examples=[{"order_limit": "10000.00", "over_budget": True}],
    ),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("admin")),
    hub: Hub = Depends(get_hub),
) -> RuleOut:
    owner = _tenant(hub, caller, tenant)
    over_budget = body.get("over_budget", True)
    if not isinstance(over_budget, bool):
        raise OrderingRefused(["over_budget must be true or false"])
    saved = approvals.save_rule(
        hub,
        owner.id,
        _actor(caller),
        order_limit=body.get("order_limit"),
        over_budget=over_budget,
        approver_role=body.get("approver_role"),
        approver_login=body.get("approver_login"),
    )
    return RuleOut.model_validate(saved, from_attributes=True)


# -- cost centres and budgets --------------------------------------------------------


@router.get("/cost-centers", response_model=list[CostCenterOut])
def list_cost_centers(
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> list[CostCenterOut]:
    owner = _tenant(hub, caller, tenant)
    return [
        CostCenterOut(code=c.code, name=c.name)
        for c in budgets.cost_centers(hub, owner.id)
    ]


@router.post("/cost-centers", response_model=CostCenterOut, status_code=201)
def save_cost_center(
    body: dict[str, Any] = Body(..., examples=[{"code": "IT", "name": "ИТ-отдел"}]),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("admin")),
    hub: Hub = Depends(get_hub),
) -> CostCenterOut:
    owner = _tenant(hub, caller, tenant)
    saved = budgets.save_cost_center(
        hub, owner.id, _actor(caller), body.get("code"), body.get("name")
    )
    return CostCenterOut(code=saved.code, name=saved.name)


@router.get("/budgets", response_model=list[BudgetOut])
def list_budgets(
    month: str | None = Query(None, description="YYYY-MM; this month if left out"),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> list[BudgetOut]:
    """Each cost centre's budget for the month, with spent, committed, remaining."""
    owner = _tenant(hub, caller, tenant)
    chosen = budgets.parse_month(month) if month else budgets.month_of(hub.clock.now())
    return [_budget(s) for s in budgets.states(hub, owner.id, chosen)]


@router.put("/budgets/{code}/{month}", response_model=BudgetOut)
def put_budget(
    code: str,
    month: str,
    body: dict[str, Any] = Body(..., examples=[{"amount": "50000.00"}]),
    tenant: str | None = TenantQuery,
    caller: Caller = Depends(require("admin")),
    hub: Hub = Depends(get_hub),
) -> BudgetOut:
    owner = _tenant(hub, caller, tenant)
    budgets.set_budget(hub, owner.id, _actor(caller), code, month, body.get("amount"))
    return _budget(budgets.state(hub, owner.id, code, budgets.parse_month(month)))
