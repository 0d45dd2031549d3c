"""Approval of catalog orders: the tenant's rule, the hold, and the decision.

A tenant's rule holds an order when its total is above a limit, or when it would
take its cost centre past the month's remaining budget. The requisition is held
with a reason that names who must approve (a console login, or a role); the
approver must be someone other than the author. Approving takes the approval
reason off the requisition, and with no other reason left it is ready for
submission; rejecting cancels it with the approver's reason. Every rule change
and every decision lands in the audit log in the transaction that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select

from gateway.cabinet import budgets
from gateway.cabinet.actor import Actor
from gateway.cabinet.errors import OrderingRefused
from gateway.console.audit import audit
from gateway.console.roles import ROLES, allows
from gateway.errors import FinalError, NotFound, PermissionDenied
from gateway.hub import Hub
from gateway.money import to_decimal
from gateway.store.locks import locked_session
from gateway.store.ordering import Approval, ApprovalRule
from gateway.store.tables import ConsoleUser, Requisition

log = structlog.get_logger(__name__)

PERMISSION = "orders.approve"
DEFAULT_APPROVER_ROLE = "approver"
REASON_PREFIX = "awaiting approval by "
MAX_NOTE = 1000


@dataclass(frozen=True)
class Assessment:
    causes: list[str] = field(default_factory=list)
    approver_role: str | None = None
    approver_login: str | None = None

    @property
    def needed(self) -> bool:
        return bool(self.causes)

    @property
    def approver(self) -> str:
        if self.approver_login:
            return f"user {self.approver_login}"
        return f"role {self.approver_role or DEFAULT_APPROVER_ROLE}"

    @property
    def reason(self) -> str:
        """The hold reason; one sentence without ``;`` (reasons are joined by it)."""
        return f"{REASON_PREFIX}{self.approver}: " + ", and ".join(self.causes)


# -- rules -------------------------------------------------------------------------


def rule(hub: Hub, tenant_id: str) -> ApprovalRule | None:
    with hub.db.session() as session:
        return session.get(ApprovalRule, tenant_id)


def save_rule(
    hub: Hub,
    tenant_id: str,
    actor: Actor,
    *,
    order_limit: Any,
    over_budget: bool,
    approver_role: Any = None,
    approver_login: Any = None,
) -> ApprovalRule:
    limit = _limit(order_limit)
    role = str(approver_role or "").strip() or None
    login = str(approver_login or "").strip() or None
    if role is not None and (role not in ROLES or not allows(role, PERMISSION)):
        approving = [r for r in ROLES if allows(r, PERMISSION)]
        raise OrderingRefused(
            [f"role {role[:20]!r} cannot approve; roles that can: {approving}"]
        )
    if login is not None:
        _check_approver_login(hub, tenant_id, login)
        role = None  # a named approver is the one who decides
    if role is None and login is None:
        role = DEFAULT_APPROVER_ROLE
    now = hub.clock.now()
    with hub.db.session() as session:
        row = session.get(ApprovalRule, tenant_id)
        if row is None:
            row = ApprovalRule(tenant_id=tenant_id, updated_by="")
        row.order_limit = limit
        row.over_budget = over_budget
        row.approver_role = role
        row.approver_login = login
        row.updated_at = now
        row.updated_by = actor.name
        session.add(row)
        audit(
            session,
            hub.clock,
            actor.name,
            "approval_rule.save",
            f"tenant:{tenant_id}",
            tenant_id=tenant_id,
            details={
                "order_limit": None if limit is None else str(limit),
                "over_budget": over_budget,
                "approver_role": role,
                "approver_login": login,
            },
        )
    return row


def _check_approver_login(hub: Hub, tenant_id: str, login: str) -> None:
    with hub.db.session() as session:
        user = session.execute(
            select(ConsoleUser).where(ConsoleUser.login == login)
        ).scalar_one_or_none()
    if user is None or user.disabled_at is not None:
        raise OrderingRefused([f"there is no active console user {login[:64]!r}"])
    if not allows(user.role, PERMISSION):
        raise OrderingRefused([f"user {login} ({user.role}) may not approve orders"])
    if user.tenant_id not in (None, tenant_id):
        raise OrderingRefused([f"user {login} works for another tenant"])


def _limit(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        limit = to_decimal(repr(value) if isinstance(value, float) else value)
    except (TypeError, ValueError, ArithmeticError):
        raise OrderingRefused(
            [f"approval limit {str(value)[:40]!r} is not an amount like 10000.00"]
        ) from None
    if not limit.is_finite() or limit < 0 or limit >= budgets.MAX_BUDGET:
        raise OrderingRefused(["the approval limit must be zero or more, in roubles"])
    return limit.quantize(Decimal("0.01"))


# -- the hold ----------------------------------------------------------------------


def assess(
    hub: Hub, tenant_id: str, total: Decimal, cost_center: str | None, month: str
) -> Assessment:
    """Whether an order of ``total`` needs approval under the tenant's rule."""
    found = rule(hub, tenant_id)
    if found is None:
        return Assessment()
    causes = []
    if found.order_limit is not None and total > found.order_limit:
        causes.append(f"the total {total} RUB is above the limit {found.order_limit}")
    if found.over_budget and cost_center:
        current = budgets.state(hub, tenant_id, cost_center, month)
        remaining = current.remaining
        if remaining is not None and total > remaining:
            causes.append(
                f"the total {total} RUB exceeds the {max(remaining, Decimal(0))} RUB "
                f"left in the {month} budget of cost centre {cost_center}"
            )
    return Assessment(causes, found.approver_role, found.approver_login)


def open_approval(
    hub: Hub,
    tenant_id: str,
    requisition_id: int,
    actor: Actor,
    assessment: Assessment,
    *,
    amount: Decimal,
    cost_center: str | None,
    month: str,
) -> Approval:
    with hub.db.session() as session:
        approval = Approval(
            tenant_id=tenant_id,
            requisition_id=requisition_id,
            amount=amount,
            cost_center=cost_center,
            month=month,
            reason=assessment.reason,
            causes=assessment.causes,
            approver_role=None
            if assessment.approver_login
            else (assessment.approver_role or DEFAULT_APPROVER_ROLE),
            approver_login=assessment.approver_login,
            requested_by=actor.owner,
            requested_by_name=actor.title,
            created_at=hub.clock.now(),
        )
        session.add(approval)
        session.flush()
        audit(
            session,
            hub.clock,
            actor.name,
            "approval.requested",
            f"requisition:{requisition_id}",
            tenant_id=tenant_id,
            details={"approval_id": approval.id, "reason": assessment.reason},
        )
    log.info(
        "approval_requested",
        tenant=tenant_id,
        requisition_id=requisition_id,
        approver=assessment.approver,
    )
    return approval


# -- decisions ---------------------------------------------------------------------


def listing(
    hub: Hub, tenant_id: str | None, state: str | None = None, limit: int = 200
) -> list[tuple[Approval, Requisition]]:
    with hub.db.session() as session:
        query = (
            select(Approval, Requisition)
            .join(Requisition, Requisition.id == Approval.requisition_id)
            .order_by(Approval.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        )
        if tenant_id is not None:
            query = query.where(Approval.tenant_id == tenant_id)
        if state:
            query = query.where(Approval.state == state)
        return [(a, r) for a, r in session.execute(query).all()]


def get(hub: Hub, approval_id: int, actor: Actor) -> Approval:
    with hub.db.session() as session:
        found = session.get(Approval, approval_id)
    if found is None or not actor.can_see(found.tenant_id):
        raise NotFound(f"approval {approval_id} does not exist")
    return found


def may_decide(approval: Approval, actor: Actor) -> str | None:
    """Why ``actor`` may not decide ``approval``; None when they may."""
    if approval.requested_by == actor.owner:
        return (
            "you placed this order yourself; another user with the right to "
            "approve must decide it"
        )
    if actor.role == "admin":
        return None
    if approval.approver_login and actor.login != approval.approver_login:
        return f"this order waits for user {approval.approver_login} to approve it"
    if approval.approver_role and actor.role != approval.approver_role:
        return f"this order waits for someone with the role {approval.approver_role}"
    return None


def approve(hub: Hub, approval_id: int, actor: Actor, note: Any = None) -> Approval:
    return _decide(hub, approval_id, actor, "approved", _note(note))


def reject(hub: Hub, approval_id: int, actor: Actor, note: Any = None) -> Approval:
    text = _note(note)
    if not text:
        raise OrderingRefused(["say why the order is rejected"])
    return _decide(hub, approval_id, actor, "rejected", text)


def _note(value: Any) -> str | None:
    text = str(value or "").strip()
    if len(text) > MAX_NOTE:
        raise OrderingRefused([f"the note is longer than {MAX_NOTE} characters"])
    if "\x00" in text:
        # PostgreSQL cannot store it: refused while the approver can still retype.
        raise OrderingRefused(["the note contains a NUL character; remove it"])
    return text or None


def _decide(
    hub: Hub, approval_id: int, actor: Actor, verdict: str, note: str | None
) -> Approval:
    approval = get(hub, approval_id, actor)
    if refusal := may_decide(approval, actor):
        log.warning(
            "approval_refused",
            approval_id=approval_id,
            actor=actor.name,
            refusal=refusal,
        )
        raise PermissionDenied(refusal)
    with hub.db.session() as session:
        requisition = session.get(Requisition, approval.requisition_id)
    assert requisition is not None
    lock = (
        f"requisition:{requisition.tenant_id}:{requisition.channel}:"
        f"{requisition.external_id}"
    )
    now = hub.clock.now()
    with locked_session(hub.db, lock) as session:
        approval = session.get(Approval, approval_id)  # type: ignore[assignment]
        requisition = session.get(Requisition, approval.requisition_id)  # type: ignore[assignment]
        assert approval is not None and requisition is not None
        if approval.state != "pending":
            raise FinalError(
                f"approval {approval_id} was already {approval.state} by "
                f"{approval.decided_by_name}; nothing changed"
            )
        approval.state = verdict
        approval.decided_by = actor.owner
        approval.decided_by_name = actor.title
        approval.decision_note = note
        approval.decided_at = now
        if verdict == "approved":
            _release(hub, session, requisition, approval, actor)
        else:
            _cancel(hub, session, requisition, approval, actor, note or "")
        audit(
            session,
            hub.clock,
            actor.name,
            f"approval.{verdict}",
            f"requisition:{requisition.id}",
            tenant_id=requisition.tenant_id,
            details={"approval_id": approval_id, "note": note},
        )
    log.info(
        "approval_decided",
        tenant=approval.tenant_id,
        approval_id=approval_id,
        requisition_id=approval.requisition_id,
        verdict=verdict,
        actor=actor.name,
    )
    return approval


def _release(
    hub: Hub,
    session: Any,
    requisition: Requisition,
    approval: Approval,
    actor: Actor,
) -> None:
    """Take the approval reason off; with nothing else wrong it goes to Komus."""
    reasons = [
        r
        for r in (requisition.hold_reason or "").split("; ")
        if r and r != approval.reason
    ]
    if requisition.state == "held":
        requisition.state = "held" if reasons else "received"
        requisition.hold_reason = "; ".join(reasons) or None
        requisition.updated_at = hub.clock.now()
    hub.pipeline.record_event(
        session,
        requisition.tenant_id,
        "requisition.approved",
        {
            "external_id": requisition.external_id,
            "approved_by": actor.title,
            "remaining_reasons": reasons,
        },
        requisition_id=requisition.id,
    )


def _cancel(
    hub: Hub,
    session: Any,
    requisition: Requisition,
    approval: Approval,
    actor: Actor,
    note: str,
) -> None:
    if requisition.state in ("held", "received"):
        requisition.state = "cancelled"
        requisition.hold_reason = f"rejected by {actor.title}: {note}"
        requisition.updated_at = hub.clock.now()
    hub.pipeline.record_event(
        session,
        requisition.tenant_id,
        "requisition.cancelled",
        {
            "external_id": requisition.external_id,
            "rejected_by": actor.title,
            "reason": note,
        },
        requisition_id=requisition.id,
    )
