"""Values the routes take from paths and queries, bounded to what the store holds.

A value the store cannot hold (an id past its column, an amount whose kopecks overflow
a bigint) would fail deep in the database driver; refused here, it is a 422 that names
the parameter and its range.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

BIGINT_MAX = 2**63 - 1
"""The largest signed 64-bit integer: an offset, a count of kopecks."""
ID_MAX = 2**31 - 1
"""The id columns are ``INTEGER``, 32 bits on PostgreSQL; raise this with them."""

AMOUNT_LIMIT = Decimal(10) ** 13
"""Either way, in currency units: beyond any order, and its kopecks fit a bigint."""

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
BoundedAmount = Annotated[
    Decimal, Field(ge=-AMOUNT_LIMIT, le=AMOUNT_LIMIT, decimal_places=2)
]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _iso_day(value: Any) -> Any:
    """Refuse other spellings up front: pydantic reads ``20260331`` as a timestamp."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError(
            "date_format", "Input should be a date as YYYY-MM-DD, e.g. 2026-03-31"
        )
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class OneOf:
    """``Annotated[str, OneOf(values)]``: a closed set of strings, listed in OpenAPI.

    A value outside the set is refused with the allowed ones named, rather than
    matching nothing.
    """

    def __init__(self, choices: Iterable[str]):
        self.choices = [str(choice) for choice in choices]

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.literal_schema(self.choices)
