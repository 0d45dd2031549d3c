"""Money, quantities and VAT as Russian invoices (УПД, счёт-фактура) compute them.

Amounts are ``Decimal`` rounded half-up to kopecks, line by line; document totals
are sums of the rounded lines, as 1C prints them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

KOPECK = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")
GENERAL_RATE_22_FROM = date(2026, 1, 1)

_GROUP_SEPARATOR = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d)", re.ASCII)
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_ZERO = Decimal("0.00")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Read an amount written as 1C and Russian documents write it.

    Accepts ``"1 234,50"``, ``"1\\u00a0234.50"``, ``"1234.5"``, ``"-3"``: a comma
    or a dot as the decimal separator, spaces between digit groups. Floats are
    refused because they have already lost kopecks (``0.1 + 0.2``).
    """
    if isinstance(value, float):
        raise TypeError(
            f"refusing float {value!r}: floats lose kopecks; pass a str or Decimal"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"cannot read an amount from {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {value}")
        return value
    text = _GROUP_SEPARATOR.sub("", value.strip()).replace("\u2212", "-")
    text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError(
            f"not an amount: {value!r} (expected digits with an optional sign, "
            "spaces between thousands and one decimal comma or point)"
        )
    return Decimal(text)


def round_money(amount: Decimal | int | str) -> Decimal:
    return to_decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_quantity(value: Decimal | int | str) -> Decimal:
    """Read a quantity: zero or more, at most three decimal places (grams of a kg)."""
    quantity = to_decimal(value)
    if quantity < 0:
        raise ValueError(f"quantity cannot be negative: {value!r}")
    try:
        exact = quantity == quantity.quantize(QUANTITY_STEP)
    except InvalidOperation:
        raise ValueError(f"quantity is too large: {value!r}") from None
    if not exact:
        raise ValueError(f"quantity has more than 3 decimal places: {value!r}")
    return quantity


class VatRate(Enum):
    """A VAT rate; ``EXEMPT`` ("без НДС") is not ``VAT_0``.

    Exports are taxed at 0 % and invoices show "0%"; exempt goods are outside the
    tax and show "без НДС". Both add no VAT.
    """

    VAT_22 = "22"
    VAT_20 = "20"
    VAT_10 = "10"
    VAT_0 = "0"
    EXEMPT = "без НДС"

    @property
    def percent(self) -> Decimal:
        return Decimal(0) if self is VatRate.EXEMPT else Decimal(self.value)

    def __str__(self) -> str:
        return self.value if self is VatRate.EXEMPT else f"{self.value}%"


_GENERAL_RATES = (VatRate.VAT_20, VatRate.VAT_22)
_EXEMPT_WORDS = {"без ндс", "без налога", "без налога (ндс)", "ндс не облагается"}
_RATE_TEXT = re.compile(
    r"(\d+(?:\.\d+)?)\s*%?(?:\s*/\s*(\d+(?:\.\d+)?)\s*%?)?", re.ASCII
)
_RATES_BY_PERCENT = {
    rate.percent: rate for rate in VatRate if rate is not VatRate.EXEMPT
}


def parse_vat_rate(text: str) -> VatRate:
    """Read a rate as invoices print it: "22", "22%", "НДС 22%", "22/122", "без НДС".

    "22/122" is the calculated rate used when VAT is extracted from a gross
    amount; it names the same 22 % rate.
    """
    words = " ".join(text.replace("\u00a0", " ").split()).casefold()
    if words in _EXEMPT_WORDS:
        return VatRate.EXEMPT
    figure = words.removeprefix("ндс").strip().replace(",", ".")
    match = _RATE_TEXT.fullmatch(figure)
    if match is None:
        raise ValueError(f"not a VAT rate: {text!r}")
    percent = Decimal(match[1])
    if match[2] is not None and Decimal(match[2]) != 100 + percent:
        raise ValueError(
            f"not a VAT rate: {text!r} (a calculated rate is N/(100+N), as 22/122)"
        )
    rate = _RATES_BY_PERCENT.get(percent)
    if rate is None:
        known = ", ".join(str(rate) for rate in VatRate)
        raise ValueError(f"unknown VAT rate {text!r}; known rates: {known}")
    return rate


def vat_rate_for(document_date: date, article_rate: VatRate | None = None) -> VatRate:
    """The rate a document line carries.

    The general rate is 22 % from 2026-01-01 and 20 % before. An article marked
    20 % or 22 % is simply at the general rate and follows the document date;
    a reduced rate, 0 % or an exemption on the article wins.
    """
    if isinstance(document_date, datetime):
        raise TypeError(
            "pass the document's calendar date, not a datetime: a UTC moment "
            "can fall on another day than the document"
        )
    if article_rate is not None and article_rate not in _GENERAL_RATES:
        return article_rate
    if document_date >= GENERAL_RATE_22_FROM:
        return VatRate.VAT_22
    return VatRate.VAT_20


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    vat: Decimal
    gross: Decimal

    def __add__(self, other: LineAmounts) -> LineAmounts:
        return LineAmounts(
            self.net + other.net, self.vat + other.vat, self.gross + other.gross
        )


def line_amounts(
    quantity: Decimal | int | str,
    price: Decimal | int | str,
    rate: VatRate,
    *,
    price_includes_vat: bool = False,
) -> LineAmounts:
    """Amounts of one document line, each rounded to kopecks.

    A net price gives net = qty × price and VAT on top of it. A price with VAT
    gives gross = qty × price and VAT extracted at rate/(100 + rate), net being
    what is left: the way a УПД arrives at its figures.
    """
    amount = round_money(to_quantity(quantity) * to_decimal(price))
    percent = rate.percent
    if price_includes_vat:
        vat = round_money(amount * percent / (100 + percent))
        return LineAmounts(net=amount - vat, vat=vat, gross=amount)
    vat = round_money(amount * percent / 100)
    return LineAmounts(net=amount, vat=vat, gross=amount + vat)


def sum_lines(lines: Iterable[LineAmounts]) -> LineAmounts:
    """Document totals: the sum of the rounded lines, never recomputed."""
    return sum(lines, LineAmounts(_ZERO, _ZERO, _ZERO))


def vat_by_rate(
    lines: Iterable[tuple[VatRate, LineAmounts]],
) -> dict[VatRate, LineAmounts]:
    """Totals per rate for the "в т.ч. НДС" breakdown, in ``VatRate`` order.

    0 % and exempt lines stay apart: invoices print them on separate rows.
    """
    totals: dict[VatRate, LineAmounts] = {}
    for rate, amounts in lines:
        totals[rate] = totals.get(rate, LineAmounts(_ZERO, _ZERO, _ZERO)) + amounts
    return {rate: totals[rate] for rate in VatRate if rate in totals}
