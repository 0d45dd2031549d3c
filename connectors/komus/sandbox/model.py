"""A sandbox order as it is kept: rows, shipments and the status history.

Orders are stored as JSON documents; amounts and quantities travel as strings so
that nothing passes through a float.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.komus.sandbox.clock import from_stored, stored
from gateway.money import LineAmounts, VatRate, line_amounts, parse_vat_rate

STATUS_NAMES = {
    "N": "Ожидает резервирования",
    "R": "Зарезервирован",
    "I": "Выставлен счёт",
    "P": "Оплачен",
    "C": "Комплектуется",
    "SP": "Отгружен частично",
    "S": "Отгружен",
    "D": "Доставлен",
    "F": "Выполнен",
    "X": "Отменён",
}
CANCELLABLE = frozenset({"N", "R", "I", "P", "C"})
FINAL = frozenset({"F", "X"})
PAYSYSTEMS = {9: "Безналичная - с отсрочкой платежа", 8: "Безналичная - предоплата"}
DELIVERIES = {1: "Доставка курьером", 2: "Самовывоз со склада"}


@dataclass
class Row:
    id: int
    artnumber: int
    name: str
    okei: str
    quantity: Decimal
    price: Decimal
    vat: str
    unit_weight: Decimal
    unit_volume: Decimal
    quantity_confirmed: Decimal | None = None
    quantity_shipped: Decimal = Decimal(0)
    quantity_delivered: Decimal = Decimal(0)
    line_ref: str | None = None
    analogue_for: int | None = None
    replaced_by: int | None = None

    @property
    def rate(self) -> VatRate:
        return parse_vat_rate(self.vat)

    @property
    def billed_quantity(self) -> Decimal:
        """What the row charges for: confirmed once reserved, ordered before."""
        return (
            self.quantity
            if self.quantity_confirmed is None
            else self.quantity_confirmed
        )

    def amounts(self, quantity: Decimal | None = None) -> LineAmounts:
        billed = self.billed_quantity if quantity is None else quantity
        return line_amounts(billed, self.price, self.rate, price_includes_vat=True)


@dataclass
class ShipmentRow:
    row_id: int
    artnumber: int
    quantity: Decimal


@dataclass
class Shipment:
    id: int
    number: str
    shipped_at: datetime
    rows: list[ShipmentRow]
    delivered_at: datetime | None = None
    upd_id: int | None = None


@dataclass
class Order:
    id: int
    token: str
    external_id: str
    order_num: str
    created_at: datetime
    modified_at: datetime
    status: str
    status_at: datetime
    region: str
    consignee_id: int | None
    comment: str
    paysystem_id: int
    delivery_code: int
    rows: list[Row]
    shipments: list[Shipment] = field(default_factory=list)
    history: list[tuple[str, datetime]] = field(default_factory=list)
    cancel_reason: str | None = None
    paid: bool = False
    invoice_id: int | None = None

    def row(self, row_id: int) -> Row:
        return next(row for row in self.rows if row.id == row_id)

    def next_row_id(self) -> int:
        return max((row.id for row in self.rows), default=self.id * 1000) + 1

    def move(self, status: str, at: datetime) -> None:
        self.status = status
        self.status_at = at
        self.modified_at = at
        self.history.append((status, at))

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_encode, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Order:
        data = json.loads(text)
        rows = [_row(r) for r in data.pop("rows")]
        shipments = [_shipment(s) for s in data.pop("shipments")]
        history = [(code, from_stored(at)) for code, at in data.pop("history")]
        for key in ("created_at", "modified_at", "status_at"):
            data[key] = from_stored(data[key])
        return cls(**data, rows=rows, shipments=shipments, history=history)


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return stored(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def _row(data: dict[str, Any]) -> Row:
    for key in (
        "quantity",
        "price",
        "unit_weight",
        "unit_volume",
        "quantity_shipped",
        "quantity_delivered",
    ):
        data[key] = Decimal(data[key])
    if data["quantity_confirmed"] is not None:
        data["quantity_confirmed"] = Decimal(data["quantity_confirmed"])
    return Row(**data)


def _shipment(data: dict[str, Any]) -> Shipment:
    rows = [
        ShipmentRow(r["row_id"], r["artnumber"], Decimal(r["quantity"]))
        for r in data.pop("rows")
    ]
    delivered = data.pop("delivered_at")
    return Shipment(
        **{**data, "shipped_at": from_stored(data["shipped_at"])},
        rows=rows,
        delivered_at=from_stored(delivered) if delivered else None,
    )
