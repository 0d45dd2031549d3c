"""Column types that keep decimals exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator):
    """A ``Decimal`` stored as an integer count of its smallest unit.

    SQLite has no decimal type and would pass amounts through float; storing kopecks
    (or thousandths of a unit for quantities) as integers keeps both databases exact and
    still lets SQL compare and sum them.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int):
        super().__init__()
        self.places = places
        self._scale = 10**places
        self._quantum = Decimal(1).scaleb(-places)

    def __repr__(self) -> str:
        return f"ScaledDecimal({self.places})"

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("amounts and quantities must be Decimal, not float")
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return int(exact * self._scale)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self._scale).quantize(self._quantum)


def Money() -> ScaledDecimal:  # noqa: N802 - reads as a column type
    return ScaledDecimal(2)


def Quantity() -> ScaledDecimal:  # noqa: N802
    return ScaledDecimal(3)
