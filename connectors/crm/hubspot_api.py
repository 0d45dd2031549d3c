"""HubSpot CRM API v3: a deal and its line items, with a private app's token.

``GET /crm/v3/objects/deals/{id}?associations=line_items`` lists the deal's line
item ids under ``associations["line items"]``; ``POST
/crm/v3/objects/line_items/batch/read`` reads their name, quantity, price and SKU.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.crm.rest import call_json, setting

API_URL = "https://api.hubapi.com"
DEAL_PROPERTIES = "dealname,dealstage,deal_currency_code"
LINE_PROPERTIES = ["name", "quantity", "price", "hs_sku", "hs_product_id"]
BATCH = 100
"""The most ids one batch read takes."""


class HubSpotApi:
    def __init__(self, settings: dict[str, Any], client: httpx.Client):
        token = setting(settings, "access_token", "hubspot", "to fetch the deal")
        self.base = str(settings.get("api_url") or API_URL).rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client

    def deal(self, deal_id: str) -> dict[str, Any]:
        deal = call_json(
            self.client,
            "GET",
            f"{self.base}/crm/v3/objects/deals/{deal_id}",
            what=f"HubSpot deal {deal_id}",
            params={"associations": "line_items", "properties": DEAL_PROPERTIES},
            headers=self.headers,
        )
        properties = deal.get("properties") or {}
        associated = (deal.get("associations") or {}).get("line items") or {}
        ids = [str(r["id"]) for r in associated.get("results") or [] if "id" in r]
        return {
            "stage": properties.get("dealstage") or None,
            "title": properties.get("dealname"),
            "number": str(deal.get("id") or deal_id),
            "currency": properties.get("deal_currency_code") or None,
            "lines": [_line(item) for item in self._line_items(ids)],
        }

    def _line_items(self, ids: list[str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            body = call_json(
                self.client,
                "POST",
                f"{self.base}/crm/v3/objects/line_items/batch/read",
                what="HubSpot line items",
                json={
                    "properties": LINE_PROPERTIES,
                    "inputs": [{"id": i} for i in ids[start : start + BATCH]],
                },
                headers=self.headers,
            )
            items += body.get("results") or []
        # Batch reads answer in no particular order; the deal lists them by id.
        return sorted(items, key=lambda item: ids.index(str(item.get("id"))))


def _line(item: dict[str, Any]) -> dict[str, Any]:
    properties = item.get("properties") or {}
    return {
        "item_code": str(
            properties.get("hs_sku") or properties.get("hs_product_id") or ""
        ),
        "name": properties.get("name"),
        "quantity": str(properties.get("quantity") or "1"),
        "price": properties.get("price") or None,
    }
