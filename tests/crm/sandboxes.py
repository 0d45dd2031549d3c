"""Stand-ins for the CRMs' REST APIs, enforcing the webhook secret in the URL."""

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


class AmoAccount:
    """``GET /api/v4/leads/{id}`` behind a bearer token, as amoCRM serves it."""

    def __init__(self, token: str = "amo-token") -> None:
        self.token = token
        self.leads: dict[str, dict[str, Any]] = {}
        self.app = FastAPI()
        self.app.get("/api/v4/leads/{lead_id}")(self._lead)

    async def _lead(self, lead_id: str, request: Request):
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
        if lead_id not in self.leads:
            return JSONResponse({"title": "Not found", "status": 404}, 404)
        return self.leads[lead_id]
