"""A gateway serving the 1C exchange over loopback, with the Komus sandbox beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.komus.connector import KomusConnector
from connectors.onec.connector import OneCConnector
from gateway.api.app import create_app
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.conftest import SAMPLES
from tests.komus.harness import QUICK_RETRIES, Sandbox, running_sandbox
from tests.onec.harness import ACME_LOGIN, ACME_PASSWORD, OneC, write_onec_config
from tests.support.servers import free_port, serve

ONEC_SAMPLES = SAMPLES / "1c"
OFFICIAL_ORDERS = ONEC_SAMPLES / "01_official1c_orders_cml203_utf8.xml"
OFFICIAL_CP1251 = ONEC_SAMPLES / "02_official1c_to_cml203_win1251.xml"
BITRIX_CP1251 = ONEC_SAMPLES / "03_bitrix_sale_query_response_cml205_win1251.xml"
UT11_ORDERS = ONEC_SAMPLES / "05_ut11_documents_to_site_cml209_ns_utf8.xml"
CML31_ORDERS = (
    ONEC_SAMPLES / "06_ut11_bitrixmodule65_documents_cml31_container_utf8bom.xml"
)


@pytest.fixture
def onec_options() -> dict[str, Any]:
    """Keyword arguments of ``write_onec_config`` a test changes."""
    return {}


@pytest.fixture
def onec_settings(
    tmp_path: Path, database_url: str, onec_options: dict[str, Any]
) -> Settings:
    path = write_onec_config(tmp_path, database_url, free_port(), **onec_options)
    return load_settings(path)


@pytest.fixture
def sandbox(onec_settings: Settings) -> Iterator[Sandbox]:
    with running_sandbox(onec_settings) as running:
        yield running


@pytest.fixture
def komus() -> KomusConnector:
    return KomusConnector(policy=QUICK_RETRIES)


@pytest.fixture
def onec_connector() -> OneCConnector:
    return OneCConnector()


@pytest.fixture
def gateway(
    onec_settings: Settings,
    sandbox: Sandbox,
    komus: KomusConnector,
    onec_connector: OneCConnector,
) -> Iterator[Hub]:
    """A migrated hub with the Komus and 1C connectors; nothing runs by itself."""
    hub = Hub(onec_settings)
    hub.prepare()
    hub.mapping_registry.refresh()
    komus.install(hub)
    onec_connector.install(hub)
    yield hub
    onec_connector.close()
    komus.close()
    hub.stop()


@pytest.fixture
def gateway_url(gateway: Hub) -> Iterator[str]:
    with serve(create_app(gateway)) as url:
        yield url


@pytest.fixture
def onec(gateway_url: str) -> Iterator[OneC]:
    client = OneC(gateway_url)
    yield client
    client.close()


@pytest.fixture
def acme_onec(gateway_url: str) -> Iterator[OneC]:
    client = OneC(gateway_url, login=ACME_LOGIN, password=ACME_PASSWORD)
    yield client
    client.close()
