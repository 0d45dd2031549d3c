"""SAP's ALPHA conversion: numeric keys are stored with leading zeros, shown without.

A vendor ``100200`` is ``0000100200`` in the database and in OData filters; a
material ``7511093`` is ``000000000007511093``. Keys with letters are left alone.
"""

from __future__ import annotations


def alpha_in(value: str, length: int) -> str:
    """The stored form: digits padded with zeros to ``length``."""
    text = value.strip()
    if text.isdigit() and len(text) <= length:
        return text.zfill(length)
    return text


def alpha_out(value: str | None) -> str:
    """The display form: leading zeros dropped from an all-digit key."""
    text = (value or "").strip()
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text


def numc(value: int | str, length: int) -> str:
    """A NUMC field (IDoc item numbers such as POSEX ``000010``)."""
    return str(int(str(value).strip() or 0)).zfill(length)
