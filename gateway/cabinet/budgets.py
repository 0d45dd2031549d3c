"""Cost centres and their monthly budgets: what was spent, what waits, what is left.

*Spent* is the total (VAT included) of the Komus orders placed in the month for
requisitions that name the cost centre, cancelled and rejected orders left out.
*Committed* is what is on its way but not ordered yet: requisitions received or
held (an order awaiting approval among them), valued at their expected prices.
*Remaining* is the budget less both, so two orders placed a minute apart cannot
each spend the same money. Months are calendar months in UTC, ``YYYY-MM``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select

from gateway.cabinet.actor import Actor
from gateway.cabinet.errors import OrderingRefused
from gateway.console.audit import audit
from gateway.hub import Hub
from gateway.lifecycle import OrderStatus
from gateway.money import to_decimal
from gateway.store.ordering import Budget, CostCenter
from gateway.store.tables import Order, Requisition, RequisitionLine

log = structlog.get_logger(__name__)

MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 2000, 2099
"""Budgets are planned for this century; year 0 or 9999 is a typo, not a plan."""
CODE = re.compile(r"^[A-Za-z0-9А-Яа-яЁё._/-]{1,64}$")
MAX_BUDGET = Decimal("1e12")
NOT_SPENT = (OrderStatus.CANCELLED.value, OrderStatus.REJECTED.value)
COMMITTED_STATES = ("received", "held")


@dataclass(frozen=True)
class BudgetState:
    cost_center: str
    name: str
    month: str
    amount: Decimal | None
    """None: the cost centre has no budget for the month, nothing is limited."""
    spent: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal | None:
        if self.amount is None:
            return None
        return self.amount - self.spent - self.committed


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def parse_month(text: Any) -> str:
    value = str(text or "").strip()
    if not MONTH.match(value):
        raise OrderingRefused([f"month {value[:20]!r} is not a month like 2026-03"])
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        raise OrderingRefused(
            [f"month {value!r} is not between {FIRST_YEAR}-01 and {LAST_YEAR}-12"]
        )
    return value


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=UTC)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, after


# -- cost centres ------------------------------------------------------------------


def cost_centers(hub: Hub, tenant_id: str) -> list[CostCenter]:
    with hub.db.session() as session:
        return list(
            session.execute(
                select(CostCenter)
                .where(CostCenter.tenant_id == tenant_id)
                .order_by(CostCenter.code)
            ).scalars()
        )


def cost_center(hub: Hub, tenant_id: str, code: str) -> CostCenter:
    with hub.db.session() as session:
        found = session.execute(
            select(CostCenter).where(
                CostCenter.tenant_id == tenant_id, CostCenter.code == code
            )
        ).scalar_one_or_none()
    if found is None:
        raise OrderingRefused([f"cost centre {code[:64]!r} does not exist"])
    return found


def save_cost_center(
    hub: Hub, tenant_id: str, actor: Actor, code: Any, name: Any
) -> CostCenter:
    code, name = str(code or "").strip(), str(name or "").strip()
    if not CODE.match(code):
        raise OrderingRefused(
            [f"cost centre code {code[:70]!r} must be 1-64 letters, digits or . _ / -"]
        )
    if not name or len(name) > 255:
        raise OrderingRefused(["a cost centre needs a name of at most 255 characters"])
    if "\x00" in name:
        raise OrderingRefused(["the cost centre's name contains a NUL character"])
    now = hub.clock.now()
    with hub.db.session() as session:
        row = session.execute(
            select(CostCenter).where(
                CostCenter.tenant_id == tenant_id, CostCenter.code == code
            )
        ).scalar_one_or_none()
        if row is None:
            row = CostCenter(tenant_id=tenant_id, code=code, name=name, updated_by="")
        row.name = name
        row.updated_at = now
        row.updated_by = actor.name
        session.add(row)
        audit(
            session,
            hub.clock,
            actor.name,
            "cost_center.save",
            f"cost_center:{code}",
            tenant_id=tenant_id,
            details={"name": name},
        )
    return row


# -- budgets -----------------------------------------------------------------------


def set_budget(
    hub: Hub, tenant_id: str, actor: Actor, code: Any, month: Any, amount: Any
) -> Budget:
    center = cost_center(hub, tenant_id, str(code or "").strip())
    month = parse_month(month)
    value = _amount(amount)
    with hub.db.session() as session:
        row = session.execute(
            select(Budget).where(
                Budget.tenant_id == tenant_id,
                Budget.cost_center == center.code,
                Budget.month == month,
            )
        ).scalar_one_or_none()
        before = row.amount if row else None
        if row is None:
            row = Budget(
                tenant_id=tenant_id,
                cost_center=center.code,
                month=month,
                amount=value,
                updated_by="",
            )
        row.amount = value
        row.updated_at = hub.clock.now()
        row.updated_by = actor.name
        session.add(row)
        audit(
            session,
            hub.clock,
            actor.name,
            "budget.set",
            f"budget:{center.code}:{month}",
            tenant_id=tenant_id,
            details={
                "amount": str(value),
                "before": None if before is None else str(before),
            },
        )
    log.info("budget_set", tenant=tenant_id, cost_center=center.code, month=month)
    return row


def state(hub: Hub, tenant_id: str, code: str, month: str) -> BudgetState:
    center = cost_center(hub, tenant_id, code)
    start, after = month_bounds(month)
    with hub.db.session() as session:
        amount = session.execute(
            select(Budget.amount).where(
                Budget.tenant_id == tenant_id,
                Budget.cost_center == code,
                Budget.month == month,
            )
        ).scalar_one_or_none()
        spent = _spent(session, tenant_id, code, start, after)
        committed = _committed(session, tenant_id, code, start, after)
    return BudgetState(code, center.name, month, amount, spent, committed)


def states(hub: Hub, tenant_id: str, month: str) -> list[BudgetState]:
    return [state(hub, tenant_id, c.code, month) for c in cost_centers(hub, tenant_id)]


def _spent(
    session: Any, tenant_id: str, code: str, start: datetime, after: datetime
) -> Decimal:
    totals = session.execute(
        select(Order.total)
        .join(Requisition, Requisition.id == Order.requisition_id)
        .where(
            Order.tenant_id == tenant_id,
            Requisition.cost_center == code,
            Order.created_at >= start,
            Order.created_at < after,
            Order.status.not_in(NOT_SPENT),  # type: ignore[attr-defined]
        )
    ).scalars()
    return sum((t for t in totals if t is not None), Decimal("0.00"))


def _committed(
    session: Any, tenant_id: str, code: str, start: datetime, after: datetime
) -> Decimal:
    rows = session.execute(
        select(RequisitionLine.quantity, RequisitionLine.expected_price)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(
            Requisition.tenant_id == tenant_id,
            Requisition.cost_center == code,
            Requisition.state.in_(COMMITTED_STATES),  # type: ignore[attr-defined]
            Requisition.created_at >= start,
            Requisition.created_at < after,
        )
    ).all()
    total = sum(
        (q * p for q, p in rows if q is not None and p is not None), Decimal("0.00")
    )
    return total.quantize(Decimal("0.01"))


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = to_decimal(value if value is not None else "")
    except (TypeError, ValueError, ArithmeticError):
        raise OrderingRefused(
            [f"budget amount {str(value)[:40]!r} is not an amount like 15000.00"]
        ) from None
    if not amount.is_finite() or amount < 0:
        raise OrderingRefused(
            [f"budget amount {str(value)[:40]!r} must be zero or more, in roubles"]
        )
    if amount >= MAX_BUDGET:
        raise OrderingRefused(
            [f"budget amount {str(value)[:40]!r} is too large: below {MAX_BUDGET:f}"]
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise OrderingRefused(["a budget amount has at most two decimals (kopecks)"])
    return amount
