"""Controls for tests and demos under ``/sandbox/``: the clock, faults, stock, stats.

Not part of the Komus contract; no token is needed (the sandbox listens on
loopback only).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from connectors.komus.sandbox.clock import komus_time, stored
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.faults import FaultPlan
from connectors.komus.sandbox.progress import catch_up
from connectors.komus.sandbox.state import SandboxState

router = APIRouter(prefix="/sandbox", tags=["sandbox"])
Rate = Annotated[float, Field(ge=0, le=1)]


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: Annotated[float, Field(ge=0)]


class Faults(BaseModel):
    """Unset rates are 0: posting ``{}`` switches every fault off."""

    model_config = ConfigDict(extra="forbid")
    error_rate: Rate = 0.0
    latency_ms: Annotated[int, Field(ge=0)] = 0
    timeout_rate: Rate = 0.0
    timeout_seconds: Annotated[float, Field(gt=0)] = 35.0
    throttle_rate: Rate = 0.0
    retry_after_seconds: Annotated[int, Field(ge=1)] = 5
    path_prefix: str = ""
    method: str | None = None
    count: Annotated[int | None, Field(ge=0)] = None


class StockLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: Annotated[str, Field(pattern=r"^[0-9]{2}$")]
    artnumber: int
    quantity: Annotated[Decimal, Field(ge=0)]


def sandbox(request: Request) -> SandboxState:
    return request.app.state.sandbox


State = Annotated[SandboxState, Depends(sandbox)]


@router.get("/clock")
def clock(state: State) -> dict:
    return _clock(state)


@router.post("/clock/advance")
def advance(state: State, body: Advance) -> dict:
    state.clock.advance(body.minutes)
    state.remember_clock()
    moved = catch_up(state)
    return _clock(state) | {"ordersMoved": moved}


@router.get("/faults")
def faults(state: State) -> dict:
    return state.faults.describe()


@router.post("/faults")
def set_faults(state: State, body: Faults) -> dict:
    state.faults.set_plan(FaultPlan(**body.model_dump()))
    return state.faults.describe()


@router.post("/stock")
def set_stock(state: State, body: StockLevel) -> dict:
    if state.catalog.article(body.artnumber, body.region) is None:
        raise KomusError(404, f"artnumber {body.artnumber} not sold in {body.region}")
    with state.store.transaction() as db:
        state.store.set_stock(db, body.region, body.artnumber, body.quantity)
    return {
        "region": body.region,
        "artnumber": body.artnumber,
        "quantity": str(body.quantity),
    }


@router.post("/reset")
def reset(state: State) -> dict:
    state.reset()
    return {"reset": True} | _clock(state)


@router.get("/stats")
def stats(state: State) -> dict:
    per_token = state.store.orders_per_token()
    return {
        "requests": dict(state.stats.requests),
        "responses": {
            token: {str(status): n for status, n in counts.items()}
            for token, counts in state.stats.responses.items()
        },
        "blocked": {
            t: komus_time(until) for t, until in state.limiter.blocked().items()
        },
        "createRequests": state.stats.create_requests,
        "ordersCreated": sum(per_token.values()),
        "orders": per_token,
        "externalIdsUsedTwice": state.store.external_ids_used_twice(),
        "faultsInjected": dict(state.faults.injected),
    }


def _clock(state: SandboxState) -> dict:
    now = state.clock.now()
    return {"now": komus_time(now), "utc": stored(now), "speed": state.clock.speed}
