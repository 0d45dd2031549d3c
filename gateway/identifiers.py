"""Russian company identifiers: ИНН (taxpayer number) and КПП (registration code).

Each check returns None for a valid value, or a message an operator can act on.
"""

from __future__ import annotations

import re

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

_KPP_OFFICE = re.compile(r"[0-9]{4}")
_KPP_REASON = re.compile(r"[0-9A-Z]{2}")
_KPP_NUMBER = re.compile(r"[0-9]{3}")


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(digits, weights, strict=True)
    )
    return str(total % 11 % 10)


def inn_problem(value: str) -> str | None:
    """Check an ИНН: 10 digits for a company, 12 for an individual entrepreneur.

    The check digits are those of the Federal Tax Service: weighted sums of the
    preceding digits, mod 11, mod 10.
    """
    if not value:
        return "ИНН is empty"
    stray = next((char for char in value if char not in "0123456789"), None)
    if stray is not None:
        return f"ИНН {value!r} must be digits only; it contains {stray!r}"
    if len(value) not in (10, 12):
        return (
            f"ИНН {value} has {len(value)} digits; a company's ИНН has 10, "
            "an individual entrepreneur's 12"
        )
    if len(value) == 10:
        expected = _check_digit(value[:9], _WEIGHTS_10)
        if value[9] != expected:
            return (
                f"ИНН {value} fails its check digit: the last digit should be "
                f"{expected}"
            )
        return None
    eleventh = _check_digit(value[:10], _WEIGHTS_11)
    twelfth = _check_digit(value[:10] + eleventh, _WEIGHTS_12)
    if value[10] != eleventh:
        return (
            f"ИНН {value} fails its check digits: the last two digits should be "
            f"{eleventh}{twelfth}"
        )
    if value[11] != twelfth:
        return f"ИНН {value} fails its check digit: the last digit should be {twelfth}"
    return None


def kpp_problem(value: str) -> str | None:
    """Check a КПП: tax office (4 digits), reason (2 digits or A–Z), number (3)."""
    if not value:
        return "КПП is empty"
    if len(value) != 9:
        return f"КПП {value!r} has {len(value)} characters; a КПП has 9"
    if not _KPP_OFFICE.fullmatch(value[:4]):
        return (
            f"КПП {value}: the first 4 characters, the tax office code, must be digits"
        )
    if not _KPP_REASON.fullmatch(value[4:6]):
        return (
            f"КПП {value}: characters 5 and 6, the reason code, must be digits "
            "or capital Latin letters A–Z"
        )
    if not _KPP_NUMBER.fullmatch(value[6:]):
        return f"КПП {value}: the last 3 characters must be digits"
    return None
