"""A gateway with the CRM connector, served on loopback, and its controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.crm.connector import CrmConnector
from gateway.api.app import create_app
from gateway.hub import Hub
from gateway.vault import ENV as SECRET_KEY_ENV
from gateway.vault import new_key
from tests.support.servers import serve

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
CRM_SAMPLES = SAMPLES / "crm"
ADMIN = {"Authorization": "Bearer test-admin-token"}


def loopback_resolver(host: str, port: int) -> list[str]:
    """Names tests use: public-looking ones land on loopback, others say where."""
    table = {
        "hooks.example.com": ["127.0.0.1"],
        "internal.example.com": ["10.20.0.5"],
        "mixed.example.com": ["93.184.216.34", "192.168.1.10"],
        "metadata.example.com": ["169.254.169.254"],
    }
    return table.get(host, ["127.0.0.1"] if host == "localhost" else [])


@dataclass
class Gateway:
    hub: Hub
    url: str
    connector: CrmConnector

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", timeout=30, **kwargs)

    def hook(self, kind: str, settings: dict[str, Any], tenant: str = "acme") -> str:
        answer = self.post(
            "/api/v1/crm/hooks",
            headers=ADMIN,
            json={
                "kind": kind,
                "name": f"{kind} test",
                "tenant_id": tenant,
                "settings": settings,
            },
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["url_path"]


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every CRM test runs with a sealing key, as a deployment must."""
    key = new_key()
    monkeypatch.setenv(SECRET_KEY_ENV, key)
    return key


@pytest.fixture
def crm_connector() -> CrmConnector:
    return CrmConnector(resolver=loopback_resolver)


@pytest.fixture
def gateway(hub: Hub, crm_connector: CrmConnector) -> Iterator[Gateway]:
    crm_connector.install(hub)
    with serve(create_app(hub)) as url:
        yield Gateway(hub, url, crm_connector)
    assert crm_connector.sender is not None
    crm_connector.sender.close()
