"""The Bitrix24 portal's REST API, for the deal and the product rows a hook names.

The portal is called through the hook's own incoming-webhook URL
(``https://<portal>/rest/<user>/<secret>/``), never through the ``client_endpoint``
a request claims, and only through the guarded client.
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.errors import FinalError, RetryableError


class Portal:
    def __init__(self, rest_url: str, client: httpx.Client):
        self.rest_url = rest_url.rstrip("/") + "/"
        self.client = client

    def deal(self, deal_id: str) -> dict[str, Any]:
        return self._call("crm.deal.get", {"id": deal_id})

    def product_rows(self, deal_id: str) -> list[dict[str, Any]]:
        rows = self._call("crm.deal.productrows.get", {"id": deal_id})
        return rows if isinstance(rows, list) else []

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        try:
            answer = self.client.post(f"{self.rest_url}{method}.json", json=params)
        except httpx.TransportError as exc:
            raise RetryableError(f"Bitrix24 {method}: {exc!r}") from exc
        if answer.status_code in (429, 503) or answer.status_code >= 500:
            raise RetryableError(f"Bitrix24 {method}: HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise FinalError(f"Bitrix24 {method}: the answer is not JSON") from exc
        if answer.status_code != 200 or "error" in body:
            raise FinalError(
                f"Bitrix24 {method}: HTTP {answer.status_code} "
                f"{body.get('error')}: {body.get('error_description', '')}"
            )
        return body.get("result")

    def deal_record(self, deal_id: str) -> dict[str, Any]:
        """The deal and its product rows in the inbox's shape."""
        found = self.deal(deal_id)
        rows = self.product_rows(deal_id)
        return {
            "stage": _text(found.get("STAGE_ID")),
            "title": found.get("TITLE"),
            "number": found.get("ID"),
            "currency": found.get("CURRENCY_ID"),
            "lines": [
                {
                    "item_code": str(r.get("PRODUCT_ID") or ""),
                    "name": r.get("PRODUCT_NAME"),
                    "quantity": str(r.get("QUANTITY")),
                    "unit_code": str(r.get("MEASURE_CODE") or ""),
                    "price": r.get("PRICE_ACCOUNT") or str(r.get("PRICE")),
                }
                for r in rows
            ],
        }


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
