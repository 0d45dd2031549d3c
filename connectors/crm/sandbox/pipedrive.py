"""A Pipedrive company's API v1 for deals and their products, behind ``api_token``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class PipedriveCompany:
    def __init__(self, api_token: str = "pd-sandbox-token", page: int = 100) -> None:
        self.api_token = api_token
        self.page = page
        self.deals: dict[int, dict[str, Any]] = {}
        self.products: dict[int, list[dict[str, Any]]] = {}
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.get("/api/v1/deals/{deal_id}")(self._deal)
        self.app.get("/api/v1/deals/{deal_id}/products")(self._products)

    def add_deal(
        self, deal_id: int, title: str, status: str, products: list[dict[str, Any]]
    ) -> None:
        """``products``: product_id, name, quantity, item_price per row."""
        self.deals[deal_id] = {
            "id": deal_id,
            "title": title,
            "status": status,
            "currency": "RUB",
            "stage_id": 2,
        }
        self.products[deal_id] = [
            {"id": 900 + n, "deal_id": deal_id, **row} for n, row in enumerate(products)
        ]

    def _refused(self, request: Request) -> JSONResponse | None:
        if request.query_params.get("api_token") == self.api_token:
            return None
        return JSONResponse(
            {"success": False, "error": "unauthorized access", "errorCode": 401},
            401,
        )

    async def _deal(self, deal_id: int, request: Request):
        if refused := self._refused(request):
            return refused
        self.calls.append(f"deal:{deal_id}")
        if deal_id not in self.deals:
            return JSONResponse(
                {"success": False, "error": "Deal not found", "errorCode": 404}, 404
            )
        return {"success": True, "data": self.deals[deal_id]}

    async def _products(self, deal_id: int, request: Request):
        if refused := self._refused(request):
            return refused
        start = int(request.query_params.get("start", 0))
        limit = min(int(request.query_params.get("limit", 100)), self.page)
        self.calls.append(f"products:{deal_id}:{start}")
        rows = self.products.get(deal_id, [])
        more = start + limit < len(rows)
        pagination: dict[str, Any] = {
            "start": start,
            "limit": limit,
            "more_items_in_collection": more,
        }
        if more:
            pagination["next_start"] = start + limit
        return {
            "success": True,
            "data": rows[start : start + limit] or None,
            "additional_data": {"pagination": pagination},
        }
