"""Which SAP document and item each order line answers to.

SAP matches a confirmation, an inbound delivery or a supplier invoice to a purchase
order item (EKPO), never to a requisition. An ORDERS05 IDoc is the purchase order
itself: its number (E1EDK01-BELNR) and item numbers (POSEX) are the reference. A
requisition item read over OData names its purchase order in ``PurchasingDocument``
and ``PurchasingDocumentItem`` once purchasing has converted it; until then the
requisition and its item number are all there is, and they go back instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog
from sqlmodel import Session

from connectors.sap.alpha import alpha_out
from connectors.sap.orders05 import CONTENT_TYPE as IDOC_CONTENT_TYPE
from connectors.sap.requisitions import CONTENT_TYPE as ODATA_CONTENT_TYPE
from gateway.store.tables import Message, Requisition

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ItemReference:
    document: str  # purchase order (or, failing one, requisition) number
    item: str  # its item number as OData shows it: "10"
    is_order: bool


def item_references(
    session: Session, requisition: Requisition | None
) -> dict[int, ItemReference]:
    """``{line number: reference}`` for the lines of ``requisition``."""
    if requisition is None:
        return {}
    message = (
        session.get(Message, requisition.message_id) if requisition.message_id else None
    )
    number = alpha_out(requisition.external_id)
    if message is not None and message.content_type == ODATA_CONTENT_TYPE:
        return _from_requisition_items(number, message.payload)
    is_order = message is not None and message.content_type == IDOC_CONTENT_TYPE
    return _Fallback(number, is_order)


def _from_requisition_items(number: str, payload: bytes) -> dict[int, ItemReference]:
    references: dict[int, ItemReference] = _Fallback(number, False)
    try:
        items = json.loads(payload).get("items") or []
    except ValueError:
        return references
    for item in items:
        line = int(item.get("PurchaseRequisitionItem") or 0)
        order = alpha_out(item.get("PurchasingDocument"))
        order_item = alpha_out(item.get("PurchasingDocumentItem"))
        if order and order_item and order_item != "0":
            references[line] = ItemReference(order, order_item, True)
        else:
            log.info(
                "sap_requisition_without_order",
                requisition=number,
                item=line,
                next_step="the requisition number goes back until SAP has an order",
            )
    return references


class _Fallback(dict[int, ItemReference]):
    """The source document and the line number, for lines without an explicit one."""

    def __init__(self, number: str, is_order: bool):
        super().__init__()
        self.number = number
        self.is_order = is_order

    def __missing__(self, line: int) -> ItemReference:
        return ItemReference(self.number, str(line), self.is_order)
