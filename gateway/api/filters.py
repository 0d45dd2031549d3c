"""Filters several listings share: a creation date range and a text search."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from gateway.errors import ValidationFailed


def created_between(
    column: Any, date_from: date | None, date_to: date | None
) -> list[ColumnElement[bool]]:
    """Both dates inclusive, as whole UTC days."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed([f"date_from {date_from} is after date_to {date_to}"])
    conditions = []
    if date_from is not None:
        conditions.append(column >= datetime.combine(date_from, time.min, UTC))
    if date_to is not None and date_to < date.max:  # date.max: no day after, no end
        next_day = date_to + timedelta(days=1)
        conditions.append(column < datetime.combine(next_day, time.min, UTC))
    return conditions


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match with ``%`` and ``_`` taken literally.

    On SQLite the store registers a Unicode ``lower`` so Cyrillic folds there too.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def equal_to(wanted: dict[Any, Any]) -> list[ColumnElement[bool]]:
    """``column == value`` for each filter the caller gave, skipping the absent ones."""
    return [column == value for column, value in wanted.items() if value is not None]
