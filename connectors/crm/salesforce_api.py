"""Salesforce REST: an opportunity's line items, when the hook is given API access.

An outbound message carries the opportunity's fields chosen in setup, but never its
products. With ``instance_url`` and ``access_token`` in the hook settings the line
items are read with one SOQL query (``/services/data/vXX.X/query``, following
``nextRecordsUrl``); without them the message's fields are all there is.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from connectors.crm.rest import call_json, setting
from gateway.errors import FinalError

API_VERSION = "v60.0"
RECORD_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")
MAX_PAGES = 50
QUERY = (
    "SELECT Id, Quantity, UnitPrice, Product2.ProductCode, Product2.Name "
    "FROM OpportunityLineItem WHERE OpportunityId = '{id}' ORDER BY SortOrder, Id"
)


def configured(settings: dict[str, Any]) -> bool:
    return bool(settings.get("instance_url") and settings.get("access_token"))


class SalesforceApi:
    def __init__(self, settings: dict[str, Any], client: httpx.Client):
        purpose = "to fetch the opportunity's line items"
        self.base = setting(settings, "instance_url", "salesforce", purpose)
        self.base = self.base.rstrip("/")
        token = setting(settings, "access_token", "salesforce", purpose)
        self.version = str(settings.get("api_version") or API_VERSION)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client

    def lines(self, opportunity_id: str) -> list[dict[str, Any]]:
        if not RECORD_ID.fullmatch(opportunity_id):
            # The id goes into a query: anything but a record id is refused.
            raise FinalError(f"{opportunity_id!r} is not a Salesforce record id")
        what = f"Salesforce opportunity {opportunity_id} line items"
        body = call_json(
            self.client,
            "GET",
            f"{self.base}/services/data/{self.version}/query",
            what=what,
            params={"q": QUERY.format(id=opportunity_id)},
            headers=self.headers,
        )
        records = list(body.get("records") or [])
        for _ in range(MAX_PAGES):
            following = body.get("nextRecordsUrl")
            if body.get("done", True) or not following:
                return [_line(r) for r in records]
            body = call_json(
                self.client,
                "GET",
                self.base + following,
                what=what,
                headers=self.headers,
            )
            records += body.get("records") or []
        raise FinalError(f"{what}: more than {MAX_PAGES} pages")


def _line(record: dict[str, Any]) -> dict[str, Any]:
    product = record.get("Product2") or {}
    return {
        "item_code": str(product.get("ProductCode") or record.get("Id") or ""),
        "name": product.get("Name"),
        "quantity": str(record.get("Quantity") or "1"),
        "price": None if record.get("UnitPrice") is None else str(record["UnitPrice"]),
    }
