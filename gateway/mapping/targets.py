"""The canonical fields an inbound mapping fills: a requisition and its lines.

Each target has the conversion that fits it; a mapping that names no ``convert``
gets that one, and a ``convert`` that would give the wrong kind of value is refused
when the mapping is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    convert: str
    meaning: str

    @property
    def accepts(self) -> frozenset[str]:
        return _ACCEPTS[self.convert]


_ACCEPTS = {
    "string": frozenset({"string", "oneline", "vat_rate"}),
    "date": frozenset({"date"}),
    "bool": frozenset({"bool"}),
    "integer": frozenset({"integer"}),
    "quantity": frozenset({"quantity"}),
    "decimal": frozenset({"decimal"}),
}

HEADER_TARGETS = {
    target.name: target
    for target in (
        Target("number", "string", "the client's document number"),
        Target("document_date", "date", "the document date (sets the VAT rate)"),
        Target(
            "delivery_address_code",
            "string",
            "one of the tenant's delivery address codes; empty means its default",
        ),
        Target("cost_center", "string", "the client's cost centre"),
        Target("comment", "string", "free text for Komus"),
        Target("currency", "string", "ISO currency code; RUB when empty"),
        Target("cancelled", "bool", "the client cancelled the requisition"),
    )
}

LINE_TARGETS = {
    target.name: target
    for target in (
        Target("line_no", "integer", "line number; the source position when empty"),
        Target("quantity", "quantity", "how many, at most 3 decimal places"),
        Target("unit_code", "string", "ОКЕИ unit code, e.g. 796 for pieces"),
        Target("client_item_code", "string", "the client's own item code"),
        Target("client_item_name", "string", "the client's item name"),
        Target("article", "string", "the Komus article (digits)"),
        Target("expected_price", "decimal", "the price the client expects"),
        Target("vat_rate", "string", "the VAT rate the client expects"),
    )
}
