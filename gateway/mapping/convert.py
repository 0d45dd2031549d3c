"""Typed conversions a mapping asks for with ``convert:``.

Values from documents arrive as text; each conversion reads one kind of value the
way Russian business documents write it and says what it expected when it cannot.
``bool`` is only ever applied when a mapping (or a yes/no target field) asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from gateway.money import parse_vat_rate, to_decimal, to_quantity

Converter = Callable[[Any], Any]

_GROUP_SEPARATOR = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d)")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"|(?P<d2>\d{2})\.(?P<m2>\d{2})\.(?P<y2>\d{4}))"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_EMPTY_1C_DATES = frozenset({"T", "0001-01-01", "0001-01-01T00:00:00", "00.00.0000"})
_DATE_FORMATS = "2026-02-10, 10.02.2026, 2026-02-10T12:00:00 or 10.02.2026 12:00:00"
_TRUE = frozenset({"true", "1", "yes", "да"})
_FALSE = frozenset({"false", "0", "no", "нет"})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any) -> str | None:
    """Trimmed text; blank text is no value. Numbers and dates are written out."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return None
    raise ValueError(f"expected text, got {_described(value)}")


def to_one_line(value: Any) -> str | None:
    """Trimmed text with every run of spaces, tabs and line breaks made one space.

    Bitrix and 1C wrap long item names over several indented lines.
    """
    text = to_text(value)
    return None if text is None else " ".join(text.split())


def to_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = _GROUP_SEPARATOR.sub("", value.strip())
        if _INTEGER.fullmatch(text):
            return int(text)
    raise ValueError(f"expected a whole number like 10 or -3, got {_described(value)}")


def to_datetime(value: Any) -> datetime | None:
    """A moment as 1C, SAP and CRMs write it; 1C's empty date ("T") is no value."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError(f"expected a date, got {_described(value)}")
    text = value.strip()
    if text in _EMPTY_1C_DATES or text.startswith("0001-01-01"):
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a date: {value!r}; write {_DATE_FORMATS}")
    parts = match.groupdict()
    try:
        return datetime(
            int(parts["y"] or parts["y2"]),
            int(parts["m"] or parts["m2"]),
            int(parts["d"] or parts["d2"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            int((parts["f"] or "0").ljust(6, "0")),
            tzinfo=_zone(parts["tz"]),
        )
    except ValueError as error:
        raise ValueError(f"not a date: {value!r} ({error})") from None


def _zone(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(sign * offset)


def to_date(value: Any) -> date | None:
    """The calendar date as the document wrote it, whatever the time zone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    moment = to_datetime(value)
    return None if moment is None else moment.date()


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"expected true or false, got {_described(value)}")


def to_amount(value: Any) -> Decimal:
    return to_decimal(_exact(value))


def to_amount_of_goods(value: Any) -> Decimal:
    return to_quantity(_exact(value))


def to_vat_rate(value: Any) -> str:
    return parse_vat_rate(str(value)).value


def unchanged(value: Any) -> Any:
    return value


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected a number, got {_described(value)}")


def _described(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


CONVERSIONS: dict[str, Converter] = {
    "string": to_text,
    "oneline": to_one_line,
    "decimal": to_amount,
    "quantity": to_amount_of_goods,
    "integer": to_integer,
    "date": to_date,
    "datetime": to_datetime,
    "bool": to_bool,
    "vat_rate": to_vat_rate,
    "raw": unchanged,
}
"""Every name ``convert:`` accepts."""
