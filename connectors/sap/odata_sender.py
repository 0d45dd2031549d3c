"""Creates and changes documents in SAP's OData services, as the outbox asks.

A delivery on the ``sap`` channel that carries the ``sap-write`` header is one of:

    create-inbound-delivery       POST A_InbDeliveryHeader (deep, with its items)
    create-supplier-invoice       POST A_SupplierInvoice (one deep create per request)
    update-inbound-delivery-item  PATCH A_InbDeliveryItem(...) under If-Match

These headers steer the sender and are never sent to SAP. SAP's answer to a create
(the document number, each item's number and ETag) is kept in ``sap_documents``; an
update quotes the ETag kept there. When SAP says the ETag is stale (412) or missing
(428), the item is read again for its current ETag and the change is sent once more;
a second refusal is left to the outbox's schedule.
"""

from __future__ import annotations

import json
from typing import Any

import requests
import structlog

from connectors.sap import ledger
from connectors.sap.errors import SapError, error_for
from connectors.sap.session import SapSession
from gateway.errors import RetryableError
from gateway.outbox import Claimed
from gateway.store.database import Database

log = structlog.get_logger(__name__)

WRITE, ORDER, DOCUMENT, LINES = "sap-write", "sap-order", "sap-document", "sap-lines"
CREATE_DELIVERY = "create-inbound-delivery"
CREATE_INVOICE = "create-supplier-invoice"
UPDATE_DELIVERY_ITEM = "update-inbound-delivery-item"
DELIVERY_SET, DELIVERY_ITEMS = "A_InbDeliveryHeader", "A_InbDeliveryItem"
INVOICE_SET = "A_SupplierInvoice"
JSON_TYPE = "application/json"
STALE = (412, 428)


def write_headers(
    operation: str, order_id: int | None, document_id: int | None, *lines: int
) -> dict[str, str]:
    headers = {WRITE: operation, ORDER: str(order_id), DOCUMENT: str(document_id)}
    if lines:
        headers[LINES] = ",".join(str(line) for line in lines)
    return headers


def _service_root(target: str) -> str:
    return target.rsplit("/", 1)[0] + "/"


def _etag(response: requests.Response, entity: dict[str, Any] | None) -> str | None:
    metadata = (entity or {}).get("__metadata") or {}
    return response.headers.get("etag") or metadata.get("etag")


class ODataWrites:
    def __init__(self, db: Database):
        self.db = db

    def send(self, session: SapSession, claimed: Claimed) -> requests.Response:
        operation = claimed.headers.get(WRITE)
        if operation == UPDATE_DELIVERY_ITEM:
            return self._update_item(session, claimed)
        if operation not in (CREATE_DELIVERY, CREATE_INVOICE):
            raise RetryableError(
                f"delivery {claimed.id} asks for SAP write {operation!r}, which this "
                "gateway does not know; it is kept for a newer version to send"
            )
        response = session.write(
            claimed.target,
            claimed.payload,
            content_type=JSON_TYPE,
            token_url=_service_root(claimed.target),
        )
        if response.status_code >= 300:
            raise self._error(session, response)
        self._remember(claimed, operation, response)
        return response

    # -- creates ------------------------------------------------------------------

    def _remember(
        self, claimed: Claimed, operation: str, response: requests.Response
    ) -> None:
        try:
            entity = response.json()["d"]
        except (ValueError, KeyError, TypeError):
            log.warning(
                "sap_create_answer_unreadable",
                tenant=claimed.tenant_id,
                delivery_id=claimed.id,
                next_step="the document exists in SAP; later changes to it will fail",
            )
            return
        common = {
            "tenant_id": claimed.tenant_id,
            "order_id": int(claimed.headers[ORDER]),
            "document_id": int(claimed.headers[DOCUMENT]),
        }
        if operation == CREATE_INVOICE:
            ledger.remember_created(
                self.db,
                kind=ledger.INVOICE,
                number=str(entity.get("SupplierInvoice") or ""),
                fiscal_year=str(entity.get("FiscalYear") or "") or None,
                **common,
            )
            log.info(
                "sap_supplier_invoice_created",
                tenant=claimed.tenant_id,
                delivery_id=claimed.id,
                supplier_invoice=entity.get("SupplierInvoice"),
                fiscal_year=entity.get("FiscalYear"),
            )
            return
        lines = [
            line for line in claimed.headers.get(LINES, "").split(",") if line.strip()
        ]
        results = (entity.get("to_DeliveryDocumentItem") or {}).get("results") or []
        items = {
            line: {
                "item": str(item.get("DeliveryDocumentItem")),
                "etag": ((item.get("__metadata") or {}).get("etag")),
            }
            for line, item in zip(lines, results, strict=False)
        }
        ledger.remember_created(
            self.db,
            kind=ledger.SHIPMENT,
            number=str(entity.get("DeliveryDocument") or ""),
            etag=_etag(response, entity),
            items=items,
            **common,
        )
        log.info(
            "sap_inbound_delivery_created",
            tenant=claimed.tenant_id,
            delivery_id=claimed.id,
            inbound_delivery=entity.get("DeliveryDocument"),
            items=len(items),
        )

    # -- updates under If-Match ---------------------------------------------------

    def _update_item(self, session: SapSession, claimed: Claimed) -> requests.Response:
        document_id = int(claimed.headers[DOCUMENT])
        line = claimed.headers.get(LINES, "")
        row = ledger.created(self.db, document_id, ledger.SHIPMENT)
        item = ((row.details.get("items") or {}) if row else {}).get(line)
        if row is None or not row.sap_number or item is None:
            raise RetryableError(
                f"the inbound delivery for document {document_id} is not created in "
                "SAP yet; the change waits for it and is tried again later"
            )
        url = (
            f"{_service_root(claimed.target)}{DELIVERY_ITEMS}("
            f"DeliveryDocument='{row.sap_number}',"
            f"DeliveryDocumentItem='{item['item']}')"
        )
        etag = item.get("etag") or self._read_etag(session, url)
        response = self._patch(session, claimed, url, etag)
        if response.status_code in STALE:
            log.info(
                "sap_etag_stale",
                tenant=claimed.tenant_id,
                delivery_id=claimed.id,
                status=response.status_code,
                next_step="reading the item again and sending once more",
            )
            etag = self._read_etag(session, url)
            response = self._patch(session, claimed, url, etag)
        if response.status_code >= 300:
            raise self._error(session, response)
        ledger.remember_item_etag(
            self.db, document_id, ledger.SHIPMENT, line, response.headers.get("etag")
        )
        return response

    def _patch(
        self, session: SapSession, claimed: Claimed, url: str, etag: str | None
    ) -> requests.Response:
        return session.write(
            url,
            claimed.payload,
            content_type=JSON_TYPE,
            token_url=_service_root(claimed.target),
            method="PATCH",
            headers={"If-Match": etag} if etag else None,
        )

    def _read_etag(self, session: SapSession, url: str) -> str | None:
        response = session.http.get(url, headers={"Accept": JSON_TYPE})
        if response.status_code != 200:
            raise self._error(session, response)
        try:
            entity = json.loads(response.content)["d"]
        except (ValueError, KeyError, TypeError):
            entity = None
        return _etag(response, entity)

    @staticmethod
    def _error(session: SapSession, response: requests.Response) -> SapError:
        return error_for(
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
            tenant=session.channel.tenant_id,
            url=response.url,
        )
