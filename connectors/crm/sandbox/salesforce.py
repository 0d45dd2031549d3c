"""A Salesforce org's REST query endpoint for opportunity line items, behind a token.

Only the one SOQL shape the gateway sends is understood; anything else is answered
with Salesforce's ``MALFORMED_QUERY`` error. Results are paged with
``nextRecordsUrl``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

LINE_ITEMS = re.compile(
    r"SELECT Id, Quantity, UnitPrice, Product2\.ProductCode, Product2\.Name "
    r"FROM OpportunityLineItem WHERE OpportunityId = '([A-Za-z0-9]{15,18})'"
    r"( ORDER BY SortOrder, Id)?"
)


class SalesforceOrg:
    def __init__(self, token: str = "00D-sandbox-session", page: int = 2000) -> None:
        self.token = token
        self.page = page
        self.line_items: dict[str, list[dict[str, Any]]] = {}
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.get("/services/data/{version}/query")(self._query)
        self.app.get("/services/data/{version}/query/{cursor}")(self._more)

    def add_line_items(self, opportunity_id: str, rows: list[dict[str, Any]]) -> None:
        """``rows``: ProductCode, Name, Quantity, UnitPrice."""
        self.line_items[opportunity_id] = [
            {
                "attributes": {"type": "OpportunityLineItem"},
                "Id": f"00k{n:015d}",
                "Quantity": row["Quantity"],
                "UnitPrice": row["UnitPrice"],
                "Product2": {
                    "attributes": {"type": "Product2"},
                    "ProductCode": row["ProductCode"],
                    "Name": row["Name"],
                },
            }
            for n, row in enumerate(rows, start=1)
        ]

    def _refused(self, request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") == f"Bearer {self.token}":
            return None
        return JSONResponse(
            [
                {
                    "message": "Session expired or invalid",
                    "errorCode": "INVALID_SESSION_ID",
                }
            ],
            401,
        )

    async def _query(self, version: str, request: Request):
        if refused := self._refused(request):
            return refused
        soql = request.query_params.get("q", "")
        match = LINE_ITEMS.fullmatch(soql)
        if match is None:
            return JSONResponse(
                [{"message": "unexpected query", "errorCode": "MALFORMED_QUERY"}], 400
            )
        self.calls.append(f"query:{match.group(1)}")
        return self._answer(version, list(self.line_items.get(match.group(1), [])))

    async def _more(self, version: str, cursor: str, request: Request):
        if refused := self._refused(request):
            return refused
        self.calls.append(f"more:{cursor}")
        return self._answer(version, self.cursors.pop(cursor, []))

    def _answer(self, version: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        total = len(records)
        shown, rest = records[: self.page], records[self.page :]
        answer: dict[str, Any] = {
            "totalSize": total,
            "done": not rest,
            "records": shown,
        }
        if rest:
            cursor = f"01g{uuid.uuid4().hex[:15]}-{self.page}"
            self.cursors[cursor] = rest
            answer["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor}"
        return answer
