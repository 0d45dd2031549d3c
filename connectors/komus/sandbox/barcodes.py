"""EAN-13 barcodes with a valid check digit."""

from __future__ import annotations


def ean13_check_digit(first_twelve: str) -> str:
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError(f"an EAN-13 body is 12 digits, not {first_twelve!r}")
    odd = sum(int(digit) for digit in first_twelve[0::2])
    even = sum(int(digit) for digit in first_twelve[1::2])
    return str((10 - (odd + 3 * even) % 10) % 10)


def ean13(first_twelve: str) -> str:
    return first_twelve + ean13_check_digit(first_twelve)


def is_valid_ean13(code: str) -> bool:
    return (
        len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == code[12]
    )
