"""Pages of a listing: ``?page=2&per_page=50`` in, ``{items, total, ...}`` out."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlmodel import Session

from gateway.api.params import BIGINT_MAX

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PAGE = BIGINT_MAX // MAX_PER_PAGE
"""So that the offset of any page, at any page size, fits the database's bigint."""

Item = TypeVar("Item", bound=BaseModel)


class Paging:
    def __init__(
        self,
        page: int = Query(1, ge=1, le=MAX_PAGE, description="1 is the first page"),
        per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE),
    ):
        self.page = page
        self.per_page = per_page


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    per_page: int
    pages: int


def paginate(
    session: Session,
    query: Select[Any],
    paging: Paging,
    item: Callable[[Any], Item],
) -> Page[Item]:
    """One page of ``query`` (already sorted), each row turned into an ``item``."""
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = session.execute(
        query.offset((paging.page - 1) * paging.per_page).limit(paging.per_page)
    ).scalars()
    return Page(
        items=[item(row) for row in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
        pages=math.ceil(total / paging.per_page),
    )
