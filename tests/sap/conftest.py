"""A gateway with the Komus and SAP connectors, a Komus sandbox and an SAP sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.komus.connector import KomusConnector
from connectors.komus.sandbox import create_sandbox_app
from connectors.sap.connector import SapConnector
from connectors.sap.sandbox import SandboxOptions, create_sap_sandbox
from gateway.api.app import create_app
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.komus.conftest import QUICK_RETRIES
from tests.komus.harness import Sandbox, write_komus_config
from tests.support.servers import free_port, serve

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
SAP_USER, SAP_PASSWORD = "KOMUS_RFC", "sap-secret-1"
PORT_USER, PORT_PASSWORD = "sapport", "port-secret-1"
VENDOR = "100200"
PR_SERVICE = "API_PURCHASEREQ_PROCESS_SRV"
PR_ITEMS = f"/sandbox/rows/{PR_SERVICE}/A_PurchaseRequisitionItem"


class SapSandbox:
    def __init__(self, url: str):
        self.url = url

    def add_items(self, rows: list[dict[str, Any]]) -> None:
        httpx.post(f"{self.url}{PR_ITEMS}", json=rows).raise_for_status()

    def change_items(self, where: dict[str, Any], to: dict[str, Any]) -> None:
        body = {"where": where, "set": to}
        httpx.patch(f"{self.url}{PR_ITEMS}", json=body).raise_for_status()

    def faults(self, **plan: Any) -> None:
        httpx.post(f"{self.url}/sandbox/faults", json=plan).raise_for_status()

    def expire_tokens(self) -> None:
        httpx.post(f"{self.url}/sandbox/csrf/expire").raise_for_status()

    def received(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/sandbox/received").json()

    def touch(self, service: str, entity_set: str) -> None:
        httpx.post(
            f"{self.url}/sandbox/touch/{service}/{entity_set}"
        ).raise_for_status()


@pytest.fixture
def sap_sandbox() -> Iterator[SapSandbox]:
    options = SandboxOptions(users={SAP_USER: SAP_PASSWORD}, page_size=2)
    with serve(create_sap_sandbox(options)) as url:
        yield SapSandbox(url)


@pytest.fixture
def sap_routes() -> str:
    """More keys under ``channels.sap``; none keeps every document on IDocs."""
    return ""


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, sap_sandbox: SapSandbox, sap_routes: str
) -> Settings:
    path = write_komus_config(tmp_path, database_url, free_port())
    channel = f"""    channels:
      sap:
        base_url: "{sap_sandbox.url}"
        client: "100"
        login: {SAP_USER}
        password: {SAP_PASSWORD}
        vendor: "{VENDOR}"
        poll_seconds: 60
        lookback_minutes: 10
        idoc_login: {PORT_USER}
        idoc_password: {PORT_PASSWORD}
        idoc_partner: A4HCLNT250
        idoc_port: SAPA4H
        sap_partner: S4HCLNT100
        sap_port: SAPS4H
        company_code: "1710"
{sap_routes}
    delivery_addresses:
      - code: MAIN"""
    text = path.read_text(encoding="utf-8")
    text = text.replace("    delivery_addresses:\n      - code: MAIN", channel, 1)
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


@pytest.fixture
def komus(settings: Settings) -> Iterator[Sandbox]:
    app = create_sandbox_app(settings)
    try:
        with serve(app, port=settings.komus.sandbox_port) as url:
            yield Sandbox(url, app.state.sandbox.catalog)
    finally:
        app.state.sandbox.close()


@pytest.fixture
def sap() -> SapConnector:
    return SapConnector()


@pytest.fixture
def gateway(settings: Settings, komus: Sandbox, sap: SapConnector) -> Iterator[Hub]:
    """A migrated hub with both connectors; nothing runs by itself."""
    hub = Hub(settings)
    hub.prepare()
    komus_connector = KomusConnector(policy=QUICK_RETRIES)
    komus_connector.install(hub)
    sap.install(hub)
    hub.komus_connector = komus_connector  # type: ignore[attr-defined]
    yield hub
    sap.close()
    komus_connector.close()
    hub.stop()


@pytest.fixture
def gateway_url(gateway: Hub) -> Iterator[str]:
    with serve(create_app(gateway)) as url:
        yield url
