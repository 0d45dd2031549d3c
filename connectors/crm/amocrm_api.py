"""amoCRM / Kommo API v4: a lead and the catalog elements (products) linked to it.

``GET /api/v4/leads/{id}?with=catalog_elements,contacts`` names the linked elements
with their quantity in ``_embedded.catalog_elements[].metadata``; the elements
themselves (name, SKU, price) come from ``GET /api/v4/catalogs/{catalog}/elements``
filtered by id. Calls carry the account's long-lived token as a Bearer token and go
to the hook's ``api_url`` (``https://<subdomain>.amocrm.ru``), never to a subdomain
the hook body names.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx

from connectors.crm.rest import call_json, setting

PAGE = 250
"""The largest page amoCRM serves."""


class AmoApi:
    def __init__(self, settings: dict[str, Any], client: httpx.Client):
        purpose = "to fetch the lead's products"
        self.base = setting(settings, "api_url", "amocrm", purpose).rstrip("/")
        token = setting(settings, "access_token", "amocrm", purpose)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client

    def deal(self, lead_id: str) -> dict[str, Any]:
        lead = self._get(
            f"/api/v4/leads/{lead_id}",
            {"with": "catalog_elements,contacts"},
            f"amoCRM lead {lead_id}",
        )
        links = (lead.get("_embedded") or {}).get("catalog_elements") or []
        quantities: dict[tuple[int, int], Any] = {}
        wanted: dict[int, list[int]] = defaultdict(list)
        for link in links:
            meta = link.get("metadata") or {}
            catalog, element = meta.get("catalog_id"), link.get("id")
            if catalog is None or element is None:
                continue
            quantities[(int(catalog), int(element))] = meta.get("quantity", 1)
            wanted[int(catalog)].append(int(element))
        lines = []
        for catalog, ids in wanted.items():
            for element in self._elements(catalog, ids):
                quantity = quantities.get((catalog, int(element["id"])))
                lines.append(_line(element, quantity))
        return {
            "stage": _text(lead.get("status_id")),
            "title": lead.get("name"),
            "number": str(lead.get("id", lead_id)),
            "lines": lines,
        }

    def _elements(self, catalog: int, ids: list[int]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), PAGE):
            chunk = ids[start : start + PAGE]
            params: list[tuple[str, str | int]] = [("limit", PAGE)]
            params += [("filter[id][]", str(i)) for i in chunk]
            body = self._get(
                f"/api/v4/catalogs/{catalog}/elements",
                params,
                f"amoCRM catalog {catalog} elements",
                empty={},
            )
            found += (body.get("_embedded") or {}).get("elements") or []
        return found

    def _get(
        self, path: str, params: Any, what: str, empty: Any = None
    ) -> dict[str, Any]:
        body = call_json(
            self.client,
            "GET",
            self.base + path,
            what=what,
            empty=empty,
            params=params,
            headers=self.headers,
        )
        return body if isinstance(body, dict) else {}


def _line(element: dict[str, Any], quantity: Any) -> dict[str, Any]:
    fields = {
        str(f.get("field_code") or "").upper(): (f.get("values") or [{}])[0].get(
            "value"
        )
        for f in element.get("custom_fields_values") or []
    }
    line = {
        # The SKU is what an integrator writes into crm_items; the id is the fallback.
        "item_code": str(fields.get("SKU") or element["id"]),
        "name": element.get("name"),
        "quantity": str(quantity if quantity is not None else 1),
        "price": _text(fields.get("PRICE")),
    }
    unit = str(fields.get("UNIT") or "")
    if unit.isdigit():  # an ОКЕИ code; a unit name ("шт") leaves the mapping default
        line["unit_code"] = unit
    return line


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
