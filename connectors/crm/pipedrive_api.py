"""Pipedrive API v1: a deal and the products attached to it.

``GET /api/v1/deals/{id}`` gives the status (open, won, lost) the stage table keys
on; ``GET /api/v1/deals/{id}/products`` the products, paged with ``start`` and
``additional_data.pagination.next_start``. The company's ``api_url``
(``https://<company>.pipedrive.com``) is called with the hook's ``api_token`` as a
query parameter, or with an OAuth ``access_token`` as a Bearer token.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.crm.rest import call_json, setting
from gateway.errors import FinalError

PAGE = 100
MAX_PAGES = 50
"""A deal with more than 5 000 products is refused rather than read forever."""


class PipedriveApi:
    def __init__(self, settings: dict[str, Any], client: httpx.Client):
        self.base = setting(
            settings, "api_url", "pipedrive", "to fetch the deal's products"
        ).rstrip("/")
        self.params: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        if settings.get("access_token"):
            self.headers["Authorization"] = f"Bearer {settings['access_token']}"
        else:
            self.params["api_token"] = setting(
                settings, "api_token", "pipedrive", "to fetch the deal's products"
            )
        self.client = client

    def deal(self, deal_id: str) -> dict[str, Any]:
        deal = self._get(f"/api/v1/deals/{deal_id}", {}, f"Pipedrive deal {deal_id}")
        data = deal.get("data") or {}
        return {
            "stage": data.get("status"),
            "title": data.get("title"),
            "number": str(data.get("id") or deal_id),
            "currency": data.get("currency"),
            "lines": [_line(p) for p in self._products(deal_id)],
        }

    def _products(self, deal_id: str) -> list[dict[str, Any]]:
        products: list[dict[str, Any]] = []
        start = 0
        for _ in range(MAX_PAGES):
            body = self._get(
                f"/api/v1/deals/{deal_id}/products",
                {"start": start, "limit": PAGE},
                f"Pipedrive deal {deal_id} products",
            )
            products += body.get("data") or []
            paging = (body.get("additional_data") or {}).get("pagination") or {}
            if not paging.get("more_items_in_collection"):
                return products
            start = int(paging.get("next_start") or start + PAGE)
        raise FinalError(f"Pipedrive deal {deal_id} has more than {MAX_PAGES} pages")

    def _get(self, path: str, params: dict[str, Any], what: str) -> dict[str, Any]:
        body = call_json(
            self.client,
            "GET",
            self.base + path,
            what=what,
            params={**params, **self.params},
            headers=self.headers,
        )
        if not isinstance(body, dict) or body.get("success") is False:
            raise FinalError(f"{what}: the answer says it did not succeed")
        return body


def _line(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_code": str(product.get("product_id") or ""),
        "name": product.get("name"),
        "quantity": str(product.get("quantity") or "1"),
        "price": None
        if product.get("item_price") is None
        else str(product["item_price"]),
    }
