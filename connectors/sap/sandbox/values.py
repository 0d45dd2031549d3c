"""Python values to SAP's OData V2 JSON and back, by Edm type."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.sap.dates import json_date

DEFAULTS: dict[str, Any] = {
    "Edm.String": "",
    "Edm.Decimal": Decimal("0"),
    "Edm.Boolean": False,
    "Edm.Int32": 0,
    "Edm.Int16": 0,
    "Edm.Byte": 0,
    "Edm.Guid": "00000000-0000-0000-0000-000000000000",
}


def from_control(value: Any, edm: str) -> Any:
    """A value a test sent to ``/sandbox/rows`` (ISO dates, decimals as text)."""
    if value is None:
        return None
    if edm == "Edm.Decimal":
        return Decimal(str(value))
    if edm in ("Edm.DateTime", "Edm.DateTimeOffset"):
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return value


def to_json(value: Any, edm: str) -> Any:
    if value is None:
        return None
    if edm == "Edm.Decimal":
        return str(value)
    if edm == "Edm.DateTime":
        return json_date(value)
    if edm == "Edm.DateTimeOffset":
        return json_date(value, offset=True)
    return value


def complete(row: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """The row with every property of its type, as SAP returns them all."""
    return {name: row.get(name, DEFAULTS.get(edm)) for name, edm in types.items()}
