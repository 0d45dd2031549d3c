"""Promotions by category, and the controls that change a price or publish one.

``GET /promotions`` lists what runs today or later, optionally for one category
(``categoryId``; a top-level group also covers its subcategories). The controls under
``/sandbox`` let a test move a regional price (the change shows in ``/prices/`` with a
new ``modTime``) and publish a promotion. Both last while the sandbox runs: prices
come back from the catalogue seed on a restart, promotions are kept in its file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from connectors.komus.sandbox import render
from connectors.komus.sandbox.claims import Client
from connectors.komus.sandbox.clock import MOSCOW, komus_date, komus_time
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.gate import API_PREFIX
from connectors.komus.sandbox.state import SandboxState

router = APIRouter(prefix=API_PREFIX)
controls = APIRouter(prefix="/sandbox", tags=["sandbox"])

SCHEMA = """CREATE TABLE IF NOT EXISTS promotions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id INTEGER NOT NULL,
    discount_percent TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    published_at TEXT NOT NULL
)"""
COLUMNS = (
    "id, title, description, category_id, discount_percent, valid_from, valid_to, "
    "published_at"
)


class PriceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artnumber: Annotated[int, Field(ge=1)]
    price: Annotated[Decimal, Field(gt=0, decimal_places=2)]
    region: Annotated[str | None, Field(pattern=r"^[0-9]{2}$")] = None


class PromotionDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    categoryId: int  # noqa: N815 - Komus's field name
    discountPercent: Annotated[Decimal, Field(gt=0, lt=100)]  # noqa: N815
    validFrom: date  # noqa: N815
    validTo: date  # noqa: N815


def sandbox(request: Request) -> SandboxState:
    return request.app.state.sandbox


State = Annotated[SandboxState, Depends(sandbox)]


@router.get("/promotions")
def promotions(
    state: State,
    _client: Client,
    categoryId: int | None = None,  # noqa: N803
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
) -> dict:
    today = komus_date(state.clock.now())
    with state.store.transaction() as db:
        db.execute(SCHEMA)
        rows = db.execute(
            f"SELECT {COLUMNS} FROM promotions WHERE valid_to >= ? ORDER BY id",
            (today.isoformat(),),
        ).fetchall()
    items = [_promotion(state, row) for row in rows]
    if categoryId is not None:
        items = [
            p for p in items if categoryId in (p["categoryId"], p["parentCategoryId"])
        ]
    chunk = items[(page - 1) * limit : page * limit]
    return render.page(chunk, len(items), page, limit)


@controls.post("/prices")
def change_price(state: State, body: PriceChange) -> dict:
    """Set an article's regional price (every region it is sold in when none given)."""
    article = state.catalog.article(body.artnumber)
    if article is None:
        raise KomusError(404, f"artnumber {body.artnumber} is not in the catalogue")
    regions = [body.region] if body.region else list(article.regions)
    unknown = [r for r in regions if r not in article.regions]
    if unknown:
        raise KomusError(404, f"artnumber {body.artnumber} is not sold in {unknown}")
    now = state.clock.now()
    old = {r: str(state.catalog.prices[(r, body.artnumber)]) for r in regions}
    for region in regions:
        state.catalog.prices[(region, body.artnumber)] = body.price
    state.catalog.articles[body.artnumber] = replace(
        article, price_changed=now.astimezone(MOSCOW).replace(tzinfo=None)
    )
    return {
        "artnumber": body.artnumber,
        "old": old,
        "price": str(body.price),
        "modTime": komus_time(now),
    }


@controls.post("/promotions", status_code=201)
def publish_promotion(state: State, body: PromotionDraft) -> dict:
    if not any(c.id == body.categoryId for c in state.catalog.categories):
        raise KomusError(404, f"category {body.categoryId} is not in the catalogue")
    if body.validTo < body.validFrom:
        raise KomusError(400, "validTo is before validFrom")
    with state.store.transaction() as db:
        db.execute(SCHEMA)
        promotion_id = db.execute(
            "INSERT INTO promotions (title, description, category_id, "
            "discount_percent, valid_from, valid_to, published_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                body.title,
                body.description,
                body.categoryId,
                str(body.discountPercent),
                body.validFrom.isoformat(),
                body.validTo.isoformat(),
                komus_time(state.clock.now()),
            ),
        ).fetchone()[0]
        row = db.execute(
            f"SELECT {COLUMNS} FROM promotions WHERE id = ?", (promotion_id,)
        ).fetchone()
    return _promotion(state, row)


def _promotion(state: SandboxState, row: sqlite3.Row | tuple) -> dict[str, Any]:
    promotion_id, title, description, category_id, discount, start, end, at = row
    category = next((c for c in state.catalog.categories if c.id == category_id), None)
    return {
        "id": promotion_id,
        "title": title,
        "description": description,
        "categoryId": category_id,
        "parentCategoryId": category.parent_id if category else None,
        "categoryName": category.name if category else None,
        "discountPercent": discount,
        "validFrom": start,
        "validTo": end,
        "publishedAt": at,
    }


routes = APIRouter()
"""The API endpoints and their controls, for the sandbox app to mount at once."""
routes.include_router(router)
routes.include_router(controls)
