"""Creates and changes the sandbox accepts, checked the way SAP checks them.

The EDMX decides what may be written: unknown properties, properties SAP marks
``sap:creatable="false"`` or ``sap:updatable="false"``, values of the wrong Edm type
(a decimal sent as a JSON number, a string past its MaxLength) and missing required
properties are refused with SAP's error body. What the EDMX cannot say comes from
what SAP's application checks: the fields an inbound delivery item or a supplier
invoice item cannot do without, known tax codes, a balanced invoice, and one deep
create per request. Entities with a ``ConcurrencyMode="Fixed"`` property carry a
version as ETag; a change must quote it in ``If-Match`` (428 without, 412 when stale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.sap.dates import parse_json_date
from connectors.sap.sandbox.edmx import EntityModel, Property

REQUIRED: dict[str, tuple[str, ...]] = {
    "A_InbDeliveryHeader": ("Supplier",),
    "A_InbDeliveryItem": (
        "ReferenceSDDocument",
        "ReferenceSDDocumentItem",
        "ActualDeliveryQuantity",
        "DeliveryQuantityUnit",
    ),
    "A_SupplierInvoice": (
        "CompanyCode",
        "DocumentDate",
        "PostingDate",
        "InvoicingParty",
        "DocumentCurrency",
        "InvoiceGrossAmount",
    ),
    "A_SuplrInvcItemPurOrdRef": (
        "SupplierInvoiceItem",
        "PurchaseOrder",
        "PurchaseOrderItem",
        "DocumentCurrency",
        "SupplierInvoiceItemAmount",
        "TaxCode",
    ),
    "A_SupplierInvoiceTax": ("TaxCode", "TaxAmount"),
}
NUMBER_RANGES = {"A_InbDeliveryHeader": 180000000, "A_SupplierInvoice": 5105600000}
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


class WriteRefused(ValueError):
    """SAP's answer to a write it does not take: status, message class, text."""

    def __init__(self, status: int, code: str, text: str):
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


@dataclass
class Created:
    entity_set: str
    row: dict[str, Any]
    children: dict[str, list[tuple[str, dict[str, Any]]]]


def etag_of(row: dict[str, Any]) -> str:
    return f"W/\"'{row.get('__version', 0)}'\""


def check_create(
    models: dict[str, EntityModel], entity_set: str, body: Any, tax_codes: set[str]
) -> None:
    if isinstance(body, list):
        raise WriteRefused(
            400,
            "/IWBEP/CM_MGW_RT/136",
            "Only one deep create per request is supported; send each document "
            "in a request of its own",
        )
    if not isinstance(body, dict):
        raise WriteRefused(400, "/IWBEP/CM_MGW_RT/004", "The body is no JSON object")
    model = models[entity_set]
    if not model.creatable:
        raise WriteRefused(
            405, "/IWBEP/CM_MGW_RT/105", f"{entity_set} cannot be created on its own"
        )
    _check_entity(models, model, body, creating=True)
    if entity_set == "A_SupplierInvoice":
        _check_invoice(body, tax_codes)


def _check_entity(
    models: dict[str, EntityModel],
    model: EntityModel,
    body: dict[str, Any],
    *,
    creating: bool,
) -> None:
    for name, value in body.items():
        if name == "__metadata":
            continue
        if name in model.navigation:
            if not creating:
                raise WriteRefused(
                    400, "/IWBEP/CM_MGW_RT/021", f"Navigation {name} is read only here"
                )
            for child in _results(name, value):
                _check_entity(
                    models, models[model.navigation[name]], child, creating=True
                )
            continue
        prop = model.properties.get(name)
        if prop is None:
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/021",
                f"Property '{name}' is invalid for {model.type_name}",
            )
        allowed = prop.creatable if creating else prop.updatable
        if not allowed or (creating and name in model.keys and name in NUMBERED):
            verb = "created" if creating else "changed"
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/022",
                f"Property '{name}' of {model.type_name} cannot be {verb}",
            )
        _check_value(model, prop, value)
    if creating:
        required = set(REQUIRED.get(model.name, ())) | {
            prop.name
            for prop in model.properties.values()
            if not prop.nullable and prop.creatable and prop.name not in model.keys
        }
        missing = sorted(name for name in required if body.get(name) in (None, ""))
        if missing:
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/023",
                f"{model.type_name}: required field(s) {', '.join(missing)} missing",
            )


NUMBERED = {"DeliveryDocument", "SupplierInvoice", "FiscalYear"}


def _results(name: str, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        value = value["results"]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise WriteRefused(
            400, "/IWBEP/CM_MGW_RT/004", f"{name} must be a list of entities"
        )
    return value


def _check_value(model: EntityModel, prop: Property, value: Any) -> None:
    where = f"{model.type_name}.{prop.name}"
    if value is None:
        return
    if prop.edm == "Edm.Decimal":
        if not isinstance(value, str) or not _DECIMAL.match(value):
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/009",
                f"Invalid value {value!r} for Edm.Decimal {where}: decimals are "
                "sent as strings",
            )
        whole, _, fraction = value.lstrip("-").partition(".")
        scale = prop.scale or 0
        if len(fraction) > scale or (
            prop.precision and len(whole.lstrip("0")) > prop.precision - scale
        ):
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/009",
                f"Value {value} does not fit {where} "
                f"(precision {prop.precision}, scale {scale})",
            )
    elif prop.edm == "Edm.String":
        if not isinstance(value, str):
            raise WriteRefused(400, "/IWBEP/CM_MGW_RT/009", f"{where} expects a string")
        if prop.max_length and len(value) > prop.max_length:
            raise WriteRefused(
                400,
                "/IWBEP/CM_MGW_RT/009",
                f"Value '{value}' is longer than {prop.max_length} for {where}",
            )
    elif prop.edm == "Edm.Boolean" and not isinstance(value, bool):
        raise WriteRefused(400, "/IWBEP/CM_MGW_RT/009", f"{where} expects a boolean")
    elif prop.edm in ("Edm.DateTime", "Edm.DateTimeOffset"):
        try:
            parse_json_date(str(value))
        except ValueError as error:
            raise WriteRefused(
                400, "/IWBEP/CM_MGW_RT/009", f"{where}: {error}"
            ) from None


def _check_invoice(body: dict[str, Any], tax_codes: set[str]) -> None:
    items = _results("to_SuplrInvcItemPurOrdRef", body.get("to_SuplrInvcItemPurOrdRef"))
    taxes = _results("to_SupplierInvoiceTax", body.get("to_SupplierInvoiceTax") or [])
    if not items:
        raise WriteRefused(
            400, "M8/321", "Enter at least one purchase order item to invoice"
        )
    for row in [*items, *taxes]:
        if row.get("TaxCode") not in tax_codes:
            raise WriteRefused(
                400,
                "FF/704",
                f"Tax code {row.get('TaxCode')!r} is not defined for the country "
                "of the company code",
            )
    try:
        gross = Decimal(body["InvoiceGrossAmount"])
        net = sum((Decimal(i["SupplierInvoiceItemAmount"]) for i in items), Decimal(0))
        tax = sum((Decimal(t["TaxAmount"]) for t in taxes), Decimal(0))
    except (InvalidOperation, KeyError) as error:
        raise WriteRefused(400, "M8/001", f"Amounts unreadable: {error}") from None
    if gross != net + tax:
        raise WriteRefused(
            400,
            "M8/534",
            f"Balance not zero: gross {gross} is not net {net} plus tax {tax}",
        )


def create(
    models: dict[str, EntityModel],
    entity_set: str,
    body: dict[str, Any],
    count: int,
) -> Created:
    """The entity SAP would make of a checked body, with numbers and versions."""
    model = models[entity_set]
    row = {k: v for k, v in body.items() if k in model.properties}
    number = str(NUMBER_RANGES.get(entity_set, 1) + count)
    if entity_set == "A_InbDeliveryHeader":
        row["DeliveryDocument"] = number
    if entity_set == "A_SupplierInvoice":
        row["SupplierInvoice"] = number
        row["FiscalYear"] = str(parse_json_date(body["DocumentDate"]).year)
    row["__version"] = 1
    row["__created"] = datetime.now(UTC).isoformat()
    children: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for nav, target in model.navigation.items():
        if nav not in body:
            continue
        rows = []
        for position, child in enumerate(_results(nav, body[nav]), start=1):
            child_row = {
                k: v for k, v in child.items() if k in models[target].properties
            }
            for key in model.keys:
                child_row[key] = row.get(key)
            if target == "A_InbDeliveryItem":
                child_row["DeliveryDocumentItem"] = str(position * 10)
            child_row["__version"] = 1
            rows.append((target, child_row))
        children[nav] = rows
    return Created(entity_set, row, children)


def check_change(model: EntityModel, body: Any) -> None:
    if not isinstance(body, dict):
        raise WriteRefused(400, "/IWBEP/CM_MGW_RT/004", "The body is no JSON object")
    if not model.updatable:
        raise WriteRefused(
            405, "/IWBEP/CM_MGW_RT/105", f"{model.name} cannot be changed"
        )
    _check_entity({}, model, body, creating=False)


def has_etag(model: EntityModel) -> bool:
    return any(prop.concurrency for prop in model.properties.values())


_KEY = re.compile(r"(\w+)='((?:[^']|'')*)'")


def parse_key(text: str, model: EntityModel) -> dict[str, str]:
    """``DeliveryDocument='1',DeliveryDocumentItem='10'`` (or one bare quoted key)."""
    pairs = {name: value.replace("''", "'") for name, value in _KEY.findall(text)}
    if not pairs and len(model.keys) == 1 and text.startswith("'"):
        pairs = {model.keys[0]: text.strip("'").replace("''", "'")}
    if set(pairs) != set(model.keys):
        raise WriteRefused(
            400,
            "/IWBEP/CM_MGW_RT/020",
            f"Key ({text}) does not name {', '.join(model.keys)} of {model.name}",
        )
    return pairs
