"""Sandbox objects in the JSON shapes of ``schemas/komus-api.yaml``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connectors.komus.sandbox.catalog import Article, Catalog, Category
from connectors.komus.sandbox.clock import komus_time
from connectors.komus.sandbox.model import (
    DELIVERIES,
    PAYSYSTEMS,
    STATUS_NAMES,
    Order,
    Row,
    Shipment,
)
from connectors.komus.sandbox.store import StoredDocument
from gateway.money import VatRate, sum_lines

PROPS_FIELDS = (
    "parentId",
    "description",
    "baseprops",
    "barcodes",
    "images",
    "specifications",
    "analogues",
)


def page(items: Sequence[Any], total: int, number: int, limit: int) -> dict:
    pages = math.ceil(total / limit) if total else 0
    return {
        "content": list(items),
        "count": total,
        "page": number,
        "prev": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
        "pages": pages,
    }


def batch(items: list[dict], lost: list[int]) -> dict:
    return {"content": items, "count": len(items), "artnumberLost": lost}


def number(value: Decimal) -> int | float:
    """A JSON number that prints exactly as the decimal does (to 2-3 places)."""
    return int(value) if value == value.to_integral_value() else float(value)


def element(article: Article) -> dict:
    return {
        "artnumber": article.artnumber,
        "categoryId": article.category_id,
        "name": article.name,
        "image": article.image,
        "okei": article.okei,
        "unit": article.unit,
        "minQuantity": number(article.min_quantity),
        "multiplicity": number(article.multiplicity),
    }


def category(item: Category) -> dict:
    return {"id": item.id, "parentId": item.parent_id, "name": item.name}


def nds(rate: VatRate) -> int:
    return int(rate.percent)


def props(article: Article, catalog: Catalog, fields: Sequence[str]) -> dict:
    every = {
        "parentId": lambda: article.category_id,
        "description": lambda: _description(article),
        "baseprops": lambda: {
            "brand": article.brand,
            "vendorCode": article.vendor_code,
            "okei": article.okei,
            "unit": article.unit,
            "packQuantity": article.pack_quantity,
            "minQuantity": number(article.min_quantity),
            "multiplicity": number(article.multiplicity),
            "weight": number(article.weight),
            "volume": number(article.volume),
        },
        "barcodes": lambda: [article.barcode],
        "images": lambda: [article.image],
        "specifications": lambda: [
            {"name": "Бренд", "value": article.brand},
            {"name": "Страна происхождения", "value": article.origin},
            {"name": "Единица измерения", "value": article.unit},
            {"name": "Количество в упаковке", "value": str(article.pack_quantity)},
        ],
        "analogues": lambda: [
            a for a in article.analogues if catalog.article(a) is not None
        ],
    }
    return {"artnumber": article.artnumber} | {name: every[name]() for name in fields}


def _description(article: Article) -> str:
    lot = (
        f" Минимальная партия {number(article.min_quantity)} {article.unit},"
        f" кратность {number(article.multiplicity)}."
        if article.min_quantity > 1 or article.multiplicity != 1
        else ""
    )
    return f"{article.name}. Производитель: {article.brand}, {article.origin}.{lot}"


def order(item: Order, documents: list[StoredDocument]) -> dict:
    totals = sum_lines(row.amounts() for row in item.rows)
    return {
        "id": item.id,
        "orderNum": item.order_num,
        "externalId": item.external_id,
        "dateCreate": komus_time(item.created_at),
        "dateModify": komus_time(item.modified_at),
        "status": {"code": item.status, "name": STATUS_NAMES[item.status]},
        "price": number(totals.gross),
        "priceNds": number(totals.vat),
        "priceDelivery": 0,
        "comment": item.comment,
        "paysystem": {"id": item.paysystem_id, "name": PAYSYSTEMS[item.paysystem_id]},
        "delivery": {
            "code": item.delivery_code,
            "name": DELIVERIES[item.delivery_code],
        },
        "consigneeId": item.consignee_id,
        "region": item.region,
        "canceled": 1 if item.status == "X" else 0,
        "cancelReason": item.cancel_reason,
        "startOrder": None,
        "invoiceDone": 1 if item.invoice_id is not None else 0,
        "paid": 1 if item.paid else 0,
        "rowsNumber": len(item.rows),
        "rows": [_row(row) for row in item.rows],
        "shipments": [_shipment(shipment) for shipment in item.shipments],
        "documents": [document(d) for d in documents],
    }


def _row(row: Row) -> dict:
    amounts = row.amounts()
    billed = row.billed_quantity
    return {
        "id": row.id,
        "artnumber": row.artnumber,
        "name": row.name,
        "okei": row.okei,
        "quantity": number(row.quantity),
        "quantityConfirmed": (
            None if row.quantity_confirmed is None else number(row.quantity_confirmed)
        ),
        "quantityShipped": number(row.quantity_shipped),
        "quantityDelivered": number(row.quantity_delivered),
        "price": number(row.price),
        "total": number(amounts.gross),
        "nds": nds(row.rate),
        "ndsSum": number(amounts.vat),
        "weight": number((row.unit_weight * billed).quantize(Decimal("0.001"))),
        "volume": number((row.unit_volume * billed).quantize(Decimal("0.00001"))),
        "lineRef": row.line_ref,
        "analogueFor": row.analogue_for,
        "replacedBy": row.replaced_by,
    }


def _shipment(shipment: Shipment) -> dict:
    return {
        "id": shipment.id,
        "number": shipment.number,
        "date": komus_time(shipment.shipped_at),
        "delivered": shipment.delivered_at is not None,
        "dateDelivered": (
            komus_time(shipment.delivered_at) if shipment.delivered_at else None
        ),
        "updId": shipment.upd_id,
        "rows": [
            {
                "rowId": part.row_id,
                "artnumber": part.artnumber,
                "quantity": number(part.quantity),
            }
            for part in shipment.rows
        ],
    }


def document(item: StoredDocument) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "number": item.number,
        "date": komus_time(item.issued_at)[:10],
        "amount": number(item.amount),
        "amountNds": number(item.amount_nds),
        "shipmentId": item.shipment_id,
        "hasFile": item.file_name is not None,
        "fileName": item.file_name,
        "contentType": item.content_type,
    }
