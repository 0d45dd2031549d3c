"""Tenant walls: another tenant's records look just like records that do not exist."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlmodel import Session

from gateway.api.auth import Caller
from gateway.errors import NotFound

Row = TypeVar("Row")


def fetch_visible(
    session: Session, model: type[Row], row_id: int, caller: Caller, what: str
) -> Row:
    """The row with ``row_id``, or ``NotFound`` if it is missing or not the caller's."""
    row = session.get(model, row_id)
    if row is None or not caller.can_see(row.tenant_id):  # type: ignore[attr-defined]
        raise NotFound(f"{what} {row_id} does not exist")
    return row


def within_tenant(
    query: Select[Any], column: Any, caller: Caller, requested: str | None
) -> Select[Any]:
    """Limit a listing to the caller's tenant, or the one an all-tenant token asks."""
    tenant = caller.tenant_filter(requested)
    return query if tenant is None else query.where(column == tenant)
