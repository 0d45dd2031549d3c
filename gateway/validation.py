"""Rules every requisition must pass before it may become a Komus order."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from gateway.config import TenantSettings
from gateway.money import parse_vat_rate
from gateway.records import RequisitionDraft

OKEI_CODE = re.compile(r"^[0-9]{3,4}$")
KOMUS_ARTICLE = re.compile(r"^[0-9]{1,12}$")
MAX_PRICE = Decimal("1e12")
MAX_QUANTITY = Decimal("1e9")
MAX_LINE_NO = 999_999
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)
CURRENCIES = {"RUB"}

TEXT_LIMITS = {
    "number": 64,
    "delivery_address_code": 64,
    "cost_center": 64,
    "comment": 4000,
}
LINE_TEXT_LIMITS = {
    "client_item_code": 128,
    "client_item_name": 1000,
    "vat_rate": 16,
}


def problems_of(draft: RequisitionDraft, tenant: TenantSettings) -> list[str]:
    """Everything wrong with the draft, phrased for the person who will fix it."""
    problems = list(draft.problems)
    problems += _header_problems(draft, tenant)
    if not draft.lines:
        problems.append("the requisition has no lines")
    seen_numbers: set[int] = set()
    for line in draft.lines:
        where = f"line {line.line_no}"
        already = any(p.startswith(f"{where}: quantity") for p in draft.problems)
        if not 1 <= line.line_no <= MAX_LINE_NO:
            problems.append(f"{where}: line numbers run from 1 to {MAX_LINE_NO}")
        if line.line_no in seen_numbers:
            problems.append(f"{where}: line number used twice")
        seen_numbers.add(line.line_no)
        if line.quantity <= 0 and not already:
            problems.append(
                f"{where}: quantity must be above zero, got {line.quantity}"
            )
        if line.quantity >= MAX_QUANTITY:
            problems.append(f"{where}: quantity {line.quantity} is not plausible")
        if not OKEI_CODE.match(line.unit_code or ""):
            problems.append(
                f"{where}: unit {_short(line.unit_code)} is not an ОКЕИ code (3-4 "
                "digits, e.g. 796 for pieces)"
            )
        if not line.article and not line.client_item_code:
            problems.append(f"{where}: neither a Komus article nor a client item code")
        elif line.article and not KOMUS_ARTICLE.match(line.article):
            problems.append(
                f"{where}: Komus article {_short(line.article)} must be 1-12 digits"
            )
        elif not line.article:
            problems.append(
                f"{where}: client item {_short(line.client_item_code)} has no Komus "
                "article; add it to the item table"
            )
        if line.expected_price is not None and line.expected_price < 0:
            problems.append(f"{where}: price cannot be negative")
        if line.expected_price is not None and line.expected_price >= MAX_PRICE:
            problems.append(f"{where}: price {line.expected_price} is not plausible")
        if line.vat_rate is not None:
            try:
                parse_vat_rate(line.vat_rate)
            except ValueError as exc:
                problems.append(f"{where}: {_short(str(exc), 200)}")
        for name, limit in LINE_TEXT_LIMITS.items():
            value = getattr(line, name)
            if value is not None and len(value) > limit:
                problems.append(f"{where}: {name} is longer than {limit} characters")
    return problems


def _header_problems(draft: RequisitionDraft, tenant: TenantSettings) -> list[str]:
    problems = []
    known = {a.code for a in tenant.delivery_addresses}
    if draft.delivery_address_code and draft.delivery_address_code not in known:
        problems.append(
            f"delivery address {_short(draft.delivery_address_code)} is not one of "
            f"the tenant's ({', '.join(sorted(known)) or 'none configured'})"
        )
    if not draft.delivery_address_code and not any(
        a.default for a in tenant.delivery_addresses
    ):
        problems.append("no delivery address given and the tenant has no default one")
    if draft.currency not in CURRENCIES:
        problems.append(
            f"currency {_short(draft.currency)} is not supported; Komus sells in RUB"
        )
    if draft.document_date and not EARLIEST_DATE <= draft.document_date <= LATEST_DATE:
        problems.append(f"document date {draft.document_date} is not plausible")
    for name, limit in TEXT_LIMITS.items():
        value = getattr(draft, name)
        if value is not None and len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    texts = [
        draft.number,
        draft.comment,
        draft.cost_center,
        draft.delivery_address_code,
    ]
    for line in draft.lines:
        texts += [
            line.article,
            line.client_item_code,
            line.client_item_name,
            line.unit_code,
        ]
    if any(text and "\x00" in text for text in texts):
        problems.append("a text field contains a NUL character; it is removed")
    return problems


def _short(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut so that a huge input cannot flood the log."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


def storable(draft: RequisitionDraft) -> RequisitionDraft:
    """The draft cut to what the store's columns hold, for keeping a held requisition.

    A held requisition is kept with its reasons even when a value is absurd; absurd
    values are cut or dropped here (the reasons already name them) so that keeping it
    cannot fail.
    """
    numbers = [line.line_no for line in draft.lines]
    renumber = len(set(numbers)) != len(numbers) or not all(
        1 <= n <= MAX_LINE_NO for n in numbers
    )
    lines = [
        replace(
            line,
            line_no=position if renumber else line.line_no,
            quantity=line.quantity if abs(line.quantity) < MAX_QUANTITY else Decimal(0),
            expected_price=line.expected_price
            if line.expected_price is None or abs(line.expected_price) < MAX_PRICE
            else None,
            unit_code=(line.unit_code or "").replace("\x00", "")[:4],
            article=_cut(line.article, 32),
            client_item_code=_cut(line.client_item_code, 128),
            client_item_name=_cut(line.client_item_name, 1000),
            vat_rate=_cut(line.vat_rate, 16),
        )
        for position, line in enumerate(draft.lines, start=1)
    ]
    return replace(
        draft,
        lines=lines,
        number=_cut(draft.number, 64),
        delivery_address_code=_cut(draft.delivery_address_code, 64),
        cost_center=_cut(draft.cost_center, 64),
        comment=_cut(draft.comment, 4000),
        currency=draft.currency[:3],
        document_date=draft.document_date
        if draft.document_date and EARLIEST_DATE <= draft.document_date <= LATEST_DATE
        else None,
    )


def _cut(value: str | None, limit: int) -> str | None:
    return None if value is None else value.replace("\x00", "")[:limit]
