"""HubSpot's CRM API v3 for deals and line items, behind a private app's token."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class HubSpotPortal:
    def __init__(self, token: str = "pat-na1-sandbox") -> None:
        self.token = token
        self.deals: dict[str, dict[str, Any]] = {}
        self.line_items: dict[str, dict[str, Any]] = {}
        self.deal_items: dict[str, list[str]] = {}
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.get("/crm/v3/objects/deals/{deal_id}")(self._deal)
        self.app.post("/crm/v3/objects/line_items/batch/read")(self._batch_read)

    def add_deal(
        self, deal_id: str, name: str, stage: str, items: list[dict[str, Any]]
    ) -> None:
        """``items``: line item properties (name, quantity, price, hs_sku)."""
        self.deals[deal_id] = {
            "dealname": name,
            "dealstage": stage,
            "deal_currency_code": "RUB",
        }
        ids = []
        for number, properties in enumerate(items, start=1):
            item_id = f"{deal_id}{number:03d}"
            self.line_items[item_id] = {k: str(v) for k, v in properties.items()}
            ids.append(item_id)
        self.deal_items[deal_id] = ids

    def _refused(self, request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") == f"Bearer {self.token}":
            return None
        return JSONResponse(
            {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
            },
            401,
        )

    async def _deal(self, deal_id: str, request: Request):
        if refused := self._refused(request):
            return refused
        self.calls.append(f"deal:{deal_id}")
        if deal_id not in self.deals:
            return JSONResponse(
                {
                    "status": "error",
                    "message": "Object not found",
                    "category": "OBJECT_NOT_FOUND",
                },
                404,
            )
        wanted = request.query_params.get("properties", "").split(",")
        answer: dict[str, Any] = {
            "id": deal_id,
            "properties": {k: v for k, v in self.deals[deal_id].items() if k in wanted},
            "archived": False,
        }
        if "line_items" in request.query_params.get("associations", ""):
            answer["associations"] = {
                "line items": {
                    "results": [
                        {"id": i, "type": "deal_to_line_item"}
                        for i in self.deal_items.get(deal_id, [])
                    ]
                }
            }
        return answer

    async def _batch_read(self, request: Request):
        if refused := self._refused(request):
            return refused
        body = await request.json()
        ids = [str(i["id"]) for i in body.get("inputs", [])]
        self.calls.append(f"line_items:{','.join(ids)}")
        wanted = body.get("properties", [])
        results = [
            {
                "id": i,
                "properties": {
                    k: v for k, v in self.line_items[i].items() if k in wanted
                },
                "archived": False,
            }
            for i in reversed(ids)  # HubSpot keeps no order in batch answers
            if i in self.line_items
        ]
        return {"status": "COMPLETE", "results": results}
