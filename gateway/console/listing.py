"""Filters, sorting and pages for console listings, read leniently from a query string.

A value that does not parse is dropped and named in ``problems``, so a mistyped
filter shows the whole listing with a note rather than an error page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlmodel import Session

PER_PAGE = 50
MAX_PAGE = 1_000_000


@dataclass
class Query:
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, params: Any) -> Query:
        return cls({k: v.strip() for k, v in params.items() if v and v.strip()})

    def text(self, name: str, limit: int = 100) -> str | None:
        value = self.values.get(name)
        return value[:limit] if value else None

    def day(self, name: str, title: str) -> date | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{title}: «{value[:20]}» — не дата")
            return None

    def amount(self, name: str, title: str) -> Decimal | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            amount = Decimal(value.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or abs(amount) >= 10**12:
            self.problems.append(f"{title}: «{value[:20]}» — не сумма")
            return None
        return amount

    def choice(self, name: str, options: tuple[str, ...] | list[str]) -> str | None:
        value = self.values.get(name)
        return value if value in options else None

    def page(self) -> int:
        value = self.values.get("page", "1")
        return min(int(value), MAX_PAGE) if value.isdigit() and value != "0" else 1

    def link(self, **changes: Any) -> str:
        """This query string with some values changed; None drops a value."""
        merged = {**self.values, **{k: v for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    pages: int


def fetch_page(session: Session, query: Select[Any], page: int) -> Page:
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(page, pages)
    rows = list(
        session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).scalars()
    )
    return Page(rows, total, page, pages)
