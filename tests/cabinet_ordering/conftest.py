"""A gateway with the Komus connector, a Komus sandbox, the API and the console.

The hub runs on a manual clock (a fixed day in March 2026), so that the budget
month is known; nothing runs in the background unless a test starts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.komus.connector import KomusConnector
from gateway.api import create_app
from gateway.clock import ManualClock
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.api.harness import Api
from tests.cabinet_ordering.shop import Shop
from tests.komus.harness import (
    QUICK_RETRIES,
    Sandbox,
    running_sandbox,
    write_komus_config,
)
from tests.support.servers import free_port, serve

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MONTH = "2026-03"


@pytest.fixture
def komus_settings(tmp_path: Path, database_url: str) -> Settings:
    path = write_komus_config(tmp_path, database_url, free_port())
    with path.open("a", encoding="utf-8") as config:
        config.write("console:\n  session_secret: test-session-secret\n")
    return load_settings(path)


@pytest.fixture
def sandbox(komus_settings: Settings) -> Iterator[Sandbox]:
    with running_sandbox(komus_settings) as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def gateway(
    komus_settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Iterator[Hub]:
    hub = Hub(komus_settings, clock=clock)
    hub.prepare()
    connector = KomusConnector(policy=QUICK_RETRIES)
    connector.install(hub)
    yield hub
    connector.close()
    hub.stop()


@pytest.fixture
def gateway_url(gateway: Hub) -> Iterator[str]:
    with serve(create_app(gateway)) as url:
        yield url


@pytest.fixture
def api(gateway: Hub, gateway_url: str) -> Iterator[Api]:
    client = Api(gateway_url, gateway)
    yield client
    client.close()


@pytest.fixture
def shop(api: Api, sandbox: Sandbox) -> Shop:
    return Shop(api, sandbox)
