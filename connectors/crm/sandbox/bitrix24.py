"""A Bitrix24 portal's REST API behind an incoming webhook's URL secret."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class BitrixPortal:
    """``/rest/{user}/{secret}/crm.deal.get.json`` and ``crm.deal.productrows.get``."""

    def __init__(self, user: str = "1", secret: str = "portal-secret") -> None:
        self.user = user
        self.secret = secret
        self.deals: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.post("/rest/{user}/{secret}/{method}")(self._call)

    def rest_url(self, base: str) -> str:
        return f"{base}/rest/{self.user}/{self.secret}/"

    async def _call(self, user: str, secret: str, method: str, request: Request):
        if user != self.user or secret != self.secret:
            return JSONResponse(
                {"error": "INVALID_CREDENTIALS", "error_description": "bad webhook"},
                401,
            )
        params = await request.json()
        deal_id = str(params.get("id", ""))
        self.calls.append(f"{method}:{deal_id}")
        if method == "crm.deal.get.json" and deal_id in self.deals:
            return {"result": self.deals[deal_id]}
        if method == "crm.deal.productrows.get.json" and deal_id in self.deals:
            return {"result": self.rows.get(deal_id, [])}
        return JSONResponse(
            {"error": "NOT_FOUND", "error_description": "Not found"}, 400
        )
