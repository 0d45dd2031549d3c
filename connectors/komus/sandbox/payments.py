"""Payment terms per client and the payments that arrive on the sandbox clock.

Every client has terms: deferred payment (``безналичная с отсрочкой платежа``) with
a number of days to pay each invoice, or prepayment. How the client actually pays
is a separate *plan*. Without a plan the client pays each invoice whole at the
order's pay stage, the way the order lifecycle always did. A plan, set by a test
or a demo under ``/sandbox/payments/plan/{token}``, lists parts: ``percent`` of the
invoice paid ``afterDays`` days after it was issued; an empty list never pays, so
invoices go overdue. With a plan, orders no longer wait for money at the pay stage:
they are released to picking on the terms, and each part turns into a ``payment``
document of the order once the clock passes its moment. A payment is stamped with
the moment it was due, not the moment somebody looked.

Payments are listed under ``/api2/payments`` (paged like every list) and the
terms with the payee's bank requisites under ``/api2/paymentTerms``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from connectors.komus.sandbox import render
from connectors.komus.sandbox.clock import (
    MOSCOW,
    from_stored,
    komus_date,
    stored,
)
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.gate import API_PREFIX, CLIENT_KEY
from connectors.komus.sandbox.model import PAYSYSTEMS
from connectors.komus.sandbox.state import SandboxState
from connectors.komus.sandbox.store import DocumentDraft
from connectors.komus.sandbox.supplier import KOMUS
from gateway.config import SandboxClient
from gateway.money import round_money

log = structlog.get_logger(__name__)

DEFERRED = "deferred"
PREPAYMENT = "prepayment"
PAYSYSTEM_OF = {DEFERRED: 9, PREPAYMENT: 8}
TERMS_KEY = "payment_terms:"
PLAN_KEY = "payment_plan:"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Terms:
    kind: str
    days: int

    @property
    def paysystem_id(self) -> int:
        return PAYSYSTEM_OF[self.kind]


BUILT_IN_TERMS = {
    "demo-komus-token": Terms(DEFERRED, 14),
    "acme-komus-token": Terms(DEFERRED, 30),
    "globex-komus-token": Terms(PREPAYMENT, 0),
}
DEFAULT_TERMS = Terms(DEFERRED, 14)


@dataclass(frozen=True)
class Part:
    after_days: float
    percent: Decimal


# -- terms and plans, kept in the sandbox store's meta table (cleared on reset) ----


def terms_for(state: SandboxState, token: str) -> Terms:
    text = state.store.meta(TERMS_KEY + token)
    if text is not None:
        data = json.loads(text)
        return Terms(data["kind"], int(data["days"]))
    return BUILT_IN_TERMS.get(token, DEFAULT_TERMS)


def plan_for(state: SandboxState, token: str) -> list[Part] | None:
    """The client's payment plan, or None when it pays at the order's pay stage."""
    text = state.store.meta(PLAN_KEY + token)
    if text is None:
        return None
    parts = json.loads(text)
    if parts is None:
        return None
    return [Part(float(p["after_days"]), Decimal(p["percent"])) for p in parts]


def follows_plan(state: SandboxState, token: str) -> bool:
    return plan_for(state, token) is not None


# -- payments arriving -------------------------------------------------------------


def settle(state: SandboxState, token: str, now: datetime) -> int:
    """Add the plan's payments that are due by ``now``; returns how many were added."""
    plan = plan_for(state, token)
    if not plan:
        return 0
    added = 0
    with state.store.transaction() as db:
        invoices = db.execute(
            "SELECT d.order_id, d.issued_at, d.amount, d.amount_nds, "
            "json_extract(o.body, '$.order_num') FROM documents d "
            "JOIN orders o ON o.id = d.order_id "
            "WHERE o.token = ? AND d.kind = 'invoice' ORDER BY d.id",
            (token,),
        ).fetchall()
        for order_id, issued_text, amount_text, vat_text, order_num in invoices:
            issued = from_stored(issued_text)
            amount, vat = Decimal(amount_text), Decimal(vat_text)
            paid_rows = db.execute(
                "SELECT amount FROM documents WHERE order_id = ? AND kind = 'payment'",
                (order_id,),
            ).fetchall()
            paid = sum((Decimal(a) for (a,) in paid_rows), Decimal(0))
            done = len(paid_rows)
            for index, part in enumerate(plan[done:], start=done):
                due = issued + timedelta(days=part.after_days)
                if due > now or paid >= amount:
                    break
                share = _share(plan, index, amount, paid)
                if share <= 0:
                    break
                paid += share
                state.store.add_document(
                    db,
                    order_id,
                    DocumentDraft(
                        kind="payment",
                        number=f"ПП-{order_num}-{index + 1}",
                        issued_at=due,
                        amount=share,
                        amount_nds=round_money(vat * share / amount),
                    ),
                )
                added += 1
                log.info(
                    "komus_sandbox_payment_arrived",
                    order_id=order_id,
                    amount=str(share),
                    part=index + 1,
                )
    return added


def _share(plan: list[Part], index: int, amount: Decimal, paid: Decimal) -> Decimal:
    """This part's money; the part that reaches 100 % takes whatever is left."""
    reached = sum((p.percent for p in plan[: index + 1]), Decimal(0))
    if reached >= HUNDRED:
        return amount - paid
    return round_money(amount * plan[index].percent / HUNDRED)


def _payments(
    db: sqlite3.Connection,
    token: str,
    since: datetime | None,
    before: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple], int]:
    clauses, params = ["o.token = ?", "d.kind = 'payment'"], [token]
    if since is not None:
        clauses.append("d.issued_at >= ?")
        params.append(stored(since))
    if before is not None:
        clauses.append("d.issued_at < ?")
        params.append(stored(before))
    where = " AND ".join(clauses)
    total = db.execute(
        f"SELECT COUNT(*) FROM documents d JOIN orders o ON o.id = d.order_id "
        f"WHERE {where}",
        params,
    ).fetchone()[0]
    rows = db.execute(
        "SELECT d.id, d.order_id, d.number, d.issued_at, d.amount, d.amount_nds, "
        "json_extract(o.body, '$.order_num'), "
        "(SELECT i.id FROM documents i WHERE i.order_id = d.order_id "
        " AND i.kind = 'invoice' ORDER BY i.id LIMIT 1), "
        "(SELECT i.number FROM documents i WHERE i.order_id = d.order_id "
        " AND i.kind = 'invoice' ORDER BY i.id LIMIT 1), "
        "(SELECT i.issued_at FROM documents i WHERE i.order_id = d.order_id "
        " AND i.kind = 'invoice' ORDER BY i.id LIMIT 1) "
        f"FROM documents d JOIN orders o ON o.id = d.order_id WHERE {where} "
        "ORDER BY d.id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return rows, total


def _payment(row: tuple) -> dict:
    (
        payment_id,
        order_id,
        number,
        issued,
        amount,
        vat,
        order_num,
        invoice_id,
        invoice_number,
        invoice_issued,
    ) = row
    paid_on = komus_date(from_stored(issued))
    purpose = "Оплата по заказу № " + str(order_num)
    if invoice_number:
        invoice_day = komus_date(from_stored(invoice_issued))
        purpose = f"Оплата по счёту № {invoice_number} от {invoice_day:%d.%m.%Y}"
    purpose += f", в т.ч. НДС {Decimal(vat):.2f} руб."
    return {
        "id": payment_id,
        "number": number,
        "date": paid_on.isoformat(),
        "amount": render.number(Decimal(amount)),
        "amountNds": render.number(Decimal(vat)),
        "orderId": order_id,
        "orderNum": order_num,
        "invoiceId": invoice_id,
        "invoiceNumber": invoice_number,
        "purpose": purpose,
    }


# -- the API -----------------------------------------------------------------------

router = APIRouter()


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _client(request: Request) -> SandboxClient:
    found = request.scope.get("state", {}).get(CLIENT_KEY)
    if found is None:
        raise KomusError(401, "Не передан токен")
    return found


State = Annotated[SandboxState, Depends(_state)]
Client = Annotated[SandboxClient, Depends(_client)]


@router.get(API_PREFIX + "/paymentTerms")
def payment_terms(state: State, client: Client) -> dict:
    terms = terms_for(state, client.token)
    return {
        "paysystem": {
            "id": terms.paysystem_id,
            "name": PAYSYSTEMS[terms.paysystem_id],
        },
        "kind": terms.kind,
        "days": terms.days,
        "payee": {
            "name": KOMUS.name,
            "inn": KOMUS.inn,
            "kpp": KOMUS.kpp,
            "address": KOMUS.address,
            "bank": KOMUS.bank,
            "bik": KOMUS.bik,
            "correspondentAccount": KOMUS.correspondent_account,
            "account": KOMUS.account,
        },
    }


@router.get(API_PREFIX + "/payments")
def payments(
    state: State,
    client: Client,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
    dateFrom: date | None = None,  # noqa: N803 - Komus's parameter name
    dateTo: date | None = None,  # noqa: N803
) -> dict:
    # Imported here: the order lifecycle asks this module about plans.
    from connectors.komus.sandbox.progress import catch_up

    if dateFrom and dateTo and dateTo < dateFrom:
        raise KomusError(
            400, "Неверный период", [f"dateTo {dateTo} is before dateFrom {dateFrom}"]
        )
    catch_up(state)
    settle(state, client.token, state.clock.now())
    since = _day_start(dateFrom) if dateFrom else None
    before = _day_start(dateTo + timedelta(days=1)) if dateTo else None
    with state.store.transaction() as db:
        rows, total = _payments(
            db, client.token, since, before, (page - 1) * limit, limit
        )
    return render.page([_payment(row) for row in rows], total, page, limit)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=MOSCOW)


# -- controls for tests and demos ----------------------------------------------------


class TermsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["deferred", "prepayment"]
    days: Annotated[int, Field(ge=0, le=365)] = 0


class PartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    afterDays: Annotated[float, Field(ge=0, le=3650)]  # noqa: N815
    percent: Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parts: list[PartBody]


def _known(state: SandboxState, token: str) -> None:
    if state.clients.get(token) is None:
        raise KomusError(404, f"client with token {token!r} is unknown")


@router.put("/sandbox/payments/terms/{token}", tags=["sandbox"])
def set_terms(state: State, token: str, body: TermsBody) -> dict:
    _known(state, token)
    days = body.days if body.kind == DEFERRED else 0
    state.store.set_meta(
        TERMS_KEY + token, json.dumps({"kind": body.kind, "days": days})
    )
    return {"token": token, "kind": body.kind, "days": days}


@router.put("/sandbox/payments/plan/{token}", tags=["sandbox"])
def set_plan(state: State, token: str, body: PlanBody) -> dict:
    _known(state, token)
    total = sum((p.percent for p in body.parts), Decimal(0))
    if total > HUNDRED:
        raise KomusError(400, "parts add up to more than 100 %", [f"{total} %"])
    parts = [{"after_days": p.afterDays, "percent": str(p.percent)} for p in body.parts]
    state.store.set_meta(PLAN_KEY + token, json.dumps(parts))
    return {"token": token, "parts": [p.model_dump(mode="json") for p in body.parts]}


@router.delete("/sandbox/payments/plan/{token}", tags=["sandbox"])
def drop_plan(state: State, token: str) -> dict:
    _known(state, token)
    state.store.set_meta(PLAN_KEY + token, "null")
    return {"token": token, "parts": None}
