"""An amoCRM account's API v4: leads with linked catalog elements, behind a token.

Answers as amoCRM does: HAL JSON, ``_embedded`` only for what ``with`` asked for,
204 with no body for an empty list, 401 problem JSON for a wrong token, and 429 past
seven requests a second (measured on ``clock``, so a test can hold time still).
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from gateway.clock import Clock, SystemClock

SECOND = timedelta(seconds=1)


class AmoAccount:
    def __init__(
        self,
        token: str = "amo-long-lived-token",
        requests_per_second: int = 7,
        clock: Clock | None = None,
    ) -> None:
        self.token = token
        self.requests_per_second = requests_per_second
        self.clock = clock or SystemClock()
        self.recent: deque = deque()
        self.leads: dict[int, dict[str, Any]] = {}
        self.links: dict[int, list[dict[str, Any]]] = {}
        self.elements: dict[int, dict[int, dict[str, Any]]] = {}
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.get("/api/v4/leads/{lead_id}")(self._lead)
        self.app.get("/api/v4/catalogs/{catalog_id}/elements")(self._elements)

    def add_element(
        self, catalog_id: int, element_id: int, name: str, sku: str, price: str
    ) -> None:
        self.elements.setdefault(catalog_id, {})[element_id] = {
            "id": element_id,
            "name": name,
            "catalog_id": catalog_id,
            "custom_fields_values": [
                {"field_code": "SKU", "values": [{"value": sku}]},
                {"field_code": "PRICE", "values": [{"value": price}]},
            ],
        }

    def add_lead(
        self,
        lead_id: int,
        name: str,
        status_id: int,
        products: list[tuple[int, int, float]],
    ) -> None:
        """``products``: (catalog id, element id, quantity) per linked element."""
        self.leads[lead_id] = {
            "id": lead_id,
            "name": name,
            "status_id": status_id,
            "pipeline_id": 2116,
            "price": 0,
            "_links": {"self": {"href": f"/api/v4/leads/{lead_id}"}},
        }
        self.links[lead_id] = [
            {
                "id": element,
                "metadata": {"quantity": quantity, "catalog_id": catalog},
            }
            for catalog, element, quantity in products
        ]

    def _refused(self, request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse(
                {"title": "Unauthorized", "status": 401, "detail": "token is invalid"},
                401,
                media_type="application/problem+json",
            )
        now = self.clock.now()
        while self.recent and now - self.recent[0] >= SECOND:
            self.recent.popleft()
        if len(self.recent) >= self.requests_per_second:
            return JSONResponse(
                {"title": "Too Many Requests", "status": 429},
                429,
                headers={"Retry-After": "1"},
                media_type="application/problem+json",
            )
        self.recent.append(now)
        return None

    async def _lead(self, lead_id: int, request: Request):
        if refused := self._refused(request):
            return refused
        self.calls.append(f"lead:{lead_id}")
        if lead_id not in self.leads:
            return Response(status_code=204)
        lead = dict(self.leads[lead_id])
        asked = request.query_params.get("with", "").split(",")
        embedded: dict[str, Any] = {"tags": []}
        if "catalog_elements" in asked:
            embedded["catalog_elements"] = self.links.get(lead_id, [])
        if "contacts" in asked:
            embedded["contacts"] = []
        lead["_embedded"] = embedded
        return lead

    async def _elements(self, catalog_id: int, request: Request):
        if refused := self._refused(request):
            return refused
        wanted = {int(v) for v in request.query_params.getlist("filter[id][]")}
        self.calls.append(f"elements:{catalog_id}:{sorted(wanted)}")
        catalog = self.elements.get(catalog_id, {})
        found = [e for i, e in catalog.items() if not wanted or i in wanted]
        if not found:
            return Response(status_code=204)
        return {"_page": 1, "_embedded": {"elements": found}}
