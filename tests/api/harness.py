"""Talking to a gateway under test: its URL, and clients that carry a token."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.hub import Hub

ADMIN_TOKEN = "test-admin-token"
JSON = {"Content-Type": "application/json"}
"""Headers for a body posted as raw bytes that should be taken as JSON."""


class Api:
    """The base URL of a running gateway, and clients that carry a token."""

    def __init__(self, url: str, hub: Hub):
        self.url = url
        self.hub = hub
        self._clients: list[httpx.Client] = []
        self.admin = self.client(ADMIN_TOKEN)

    def client(self, token: str | None) -> httpx.Client:
        """A client for ``/api/v1``; without a token it sends no Authorization."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(
            base_url=f"{self.url}/api/v1", headers=headers, timeout=30
        )
        self._clients.append(client)
        return client

    def token(self, role: str, tenant: str | None = None, name: str = "") -> str:
        """A fresh token made through the admin API."""
        answer = self.admin.post(
            "/tokens",
            json={
                "name": name or f"{role} of {tenant or 'all tenants'}",
                "role": role,
                "tenant_id": tenant,
            },
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def as_(self, role: str, tenant: str | None = None) -> httpx.Client:
        return self.client(self.token(role, tenant))

    def close(self) -> None:
        for client in self._clients:
            client.close()


def requisition_body(external_id: str = "REQ-1", **fields: Any) -> dict[str, Any]:
    """A requisition the API channel takes as it is: one line, ready to order."""
    body: dict[str, Any] = {
        "external_id": external_id,
        "number": "ЗК-0001",
        "document_date": "2026-03-02",
        "lines": [
            {
                "line_no": 1,
                "article": "1000001",
                "client_item_name": "Бумага офисная А4",
                "quantity": "5",
                "unit_code": "796",
                "expected_price": "312.50",
            }
        ],
    }
    body.update(fields)
    return body
