"""Released SAP requisition items for the Komus vendor, as one source record per
requisition.

The stored payload is the requisition's items as SAP sent them (OData V2 JSON
values), so a replay reads exactly what the first intake read. The revision is the
latest ``LastChangeDateTime`` of the requisition's items in milliseconds: an
unchanged requisition seen again is a duplicate, a changed one a newer revision.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.sap.alpha import alpha_in, alpha_out
from connectors.sap.dates import as_utc
from connectors.sap.settings import CHANNEL
from connectors.sap.units import UnitTable
from gateway.records import SourceRecord

CONTENT_TYPE = "application/vnd.sap.odata-items+json"
VENDOR_LENGTH = 10
ITEM_FIELDS = (
    "PurchaseRequisition",
    "PurchaseRequisitionItem",
    "PurchaseRequisitionItemText",
    "Material",
    "SupplierMaterialNumber",
    "RequestedQuantity",
    "BaseUnit",
    "PurchaseRequisitionPrice",
    "PurReqnPriceQuantity",
    "PurReqnItemCurrency",
    "DeliveryDate",
    "PurReqCreationDate",
    "LastChangeDateTime",
    "FixedSupplier",
    "Supplier",
    "Plant",
    "IsDeleted",
    "IsClosed",
    "ReleaseIsNotCompleted",
    "PurchasingDocument",
    "PurchasingDocumentItem",
)


def for_vendor(item: dict[str, Any], vendor: str) -> bool:
    wanted = alpha_in(vendor, VENDOR_LENGTH)
    return wanted in (
        alpha_in(item.get("FixedSupplier") or "", VENDOR_LENGTH),
        alpha_in(item.get("Supplier") or "", VENDOR_LENGTH),
    )


def released(item: dict[str, Any]) -> bool:
    """Released, not deleted, not closed: what purchasing may order."""
    return (
        not item.get("ReleaseIsNotCompleted")
        and not item.get("IsClosed")
        and not (item.get("IsDeleted") or "").strip()
    )


def change_millis(item: dict[str, Any]) -> int:
    moment = as_utc(item.get("LastChangeDateTime"))
    return int(moment.timestamp() * 1000) if moment else 0


def withdrawn(item: dict[str, Any], vendor: str) -> bool:
    """Deleted in SAP, or given to another supplier: no longer Komus's to fill."""
    return bool((item.get("IsDeleted") or "").strip()) or not for_vendor(item, vendor)


def payload_of(
    requisition: str, items: list[dict[str, Any]], *, is_withdrawn: bool = False
) -> bytes:
    body: dict[str, Any] = {"PurchaseRequisition": requisition, "items": items}
    if is_withdrawn:
        body["withdrawn"] = True
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def record_from_payload(
    tenant_id: str, payload: bytes, units: UnitTable, *, revision: str | None = None
) -> SourceRecord:
    body = json.loads(payload)
    items = sorted(body["items"], key=lambda item: int(item["PurchaseRequisitionItem"]))
    number = alpha_out(body["PurchaseRequisition"])
    first = items[0] if items else {}
    created = as_utc(first.get("PurReqCreationDate"))
    return SourceRecord(
        tenant_id=tenant_id,
        channel=CHANNEL,
        external_id=number,
        revision=revision or str(max((change_millis(i) for i in items), default=0)),
        payload=payload,
        content_type=CONTENT_TYPE,
        fields={
            "number": number,
            # Without a value pyodata fills Edm.DateTime with 1753-01-01.
            "document_date": created.date().isoformat()
            if created and created.year > 1900
            else None,
            "currency": first.get("PurReqnItemCurrency") or "RUB",
            "comment": f"SAP purchase requisition {number}",
            # Every item withdrawn: the requisition (and its order) is cancelled.
            "cancelled": bool(body.get("withdrawn")),
        },
        lines=[_line(item, units) for item in items],
    )


def _line(item: dict[str, Any], units: UnitTable) -> dict[str, Any]:
    unit = (item.get("BaseUnit") or "").strip()
    return {
        "line_no": int(item["PurchaseRequisitionItem"]),
        "client_item_code": alpha_out(item.get("Material")) or None,
        "client_item_name": item.get("PurchaseRequisitionItemText") or None,
        "article": alpha_out(item.get("SupplierMaterialNumber")) or None,
        "quantity": item.get("RequestedQuantity"),
        # An unknown code goes on as it is, so validation holds it with the reason.
        "unit_code": units.okei(unit) or unit,
        "expected_price": _unit_price(item),
    }


def _unit_price(item: dict[str, Any]) -> str | None:
    """SAP prices per ``PurReqnPriceQuantity`` units; Komus per one."""
    try:
        price = Decimal(str(item.get("PurchaseRequisitionPrice") or "0"))
        per = Decimal(str(item.get("PurReqnPriceQuantity") or "1")) or Decimal(1)
    except InvalidOperation:
        return None
    if price <= 0:
        return None
    return str((price / per).quantize(Decimal("0.01")))
