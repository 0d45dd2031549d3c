"""Rules every requisition must pass before it may become a Komus order."""

from __future__ import annotations

import re

from gateway.config import TenantSettings
from gateway.records import RequisitionDraft

OKEI_CODE = re.compile(r"^\d{3,4}$")
KOMUS_ARTICLE = re.compile(r"^\d{1,12}$")


def problems_of(draft: RequisitionDraft, tenant: TenantSettings) -> list[str]:
    """Everything wrong with the draft, phrased for the person who will fix it."""
    problems = list(draft.problems)
    if not draft.lines:
        problems.append("the requisition has no lines")
    seen_numbers: set[int] = set()
    for line in draft.lines:
        where = f"line {line.line_no}"
        if line.line_no in seen_numbers:
            problems.append(f"{where}: line number used twice")
        seen_numbers.add(line.line_no)
        if line.quantity <= 0:
            problems.append(
                f"{where}: quantity must be above zero, got {line.quantity}"
            )
        if not OKEI_CODE.match(line.unit_code or ""):
            problems.append(
                f"{where}: unit {line.unit_code!r} is not an ОКЕИ code (3-4 digits, "
                "e.g. 796 for pieces)"
            )
        if not line.article and not line.client_item_code:
            problems.append(f"{where}: neither a Komus article nor a client item code")
        elif line.article and not KOMUS_ARTICLE.match(line.article):
            problems.append(f"{where}: Komus article {line.article!r} must be digits")
        elif not line.article:
            problems.append(
                f"{where}: client item {line.client_item_code!r} has no Komus article; "
                "add it to the item table"
            )
        if line.expected_price is not None and line.expected_price < 0:
            problems.append(f"{where}: price cannot be negative")

    known = {a.code for a in tenant.delivery_addresses}
    if draft.delivery_address_code and draft.delivery_address_code not in known:
        problems.append(
            f"delivery address {draft.delivery_address_code!r} is not one of the "
            f"tenant's ({', '.join(sorted(known)) or 'none configured'})"
        )
    if not draft.delivery_address_code and not any(
        a.default for a in tenant.delivery_addresses
    ):
        problems.append("no delivery address given and the tenant has no default one")
    return problems
