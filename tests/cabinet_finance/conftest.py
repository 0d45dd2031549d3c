"""A gateway and a Komus sandbox on loopback, with the gateway's REST API served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.komus.connector import KomusConnector
from connectors.komus.sandbox import create_sandbox_app
from gateway.api import create_app
from gateway.clock import ManualClock
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.cabinet_finance.harness import SANDBOX_START, START, World
from tests.komus.conftest import QUICK_RETRIES
from tests.komus.harness import Sandbox, write_komus_config
from tests.support.servers import free_port, serve

CONSOLE_YAML = """
console:
  session_secret: test-session-secret
"""


@pytest.fixture
def finance_settings(tmp_path: Path, database_url: str) -> Settings:
    path = write_komus_config(
        tmp_path,
        database_url,
        free_port(),
        sandbox={"clock_start": SANDBOX_START, "clock_speed": 0},
    )
    path.write_text(path.read_text(encoding="utf-8") + CONSOLE_YAML, encoding="utf-8")
    return load_settings(path)


@pytest.fixture
def world(finance_settings: Settings) -> Iterator[World]:
    app = create_sandbox_app(finance_settings)
    clock = ManualClock(START)
    hub = Hub(finance_settings, clock=clock)
    hub.prepare()
    connector = KomusConnector(policy=QUICK_RETRIES)
    connector.install(hub)
    try:
        with serve(app, port=finance_settings.komus.sandbox_port) as url:
            yield World(hub, connector, Sandbox(url, app.state.sandbox.catalog), clock)
    finally:
        connector.close()
        hub.stop()
        app.state.sandbox.close()


@pytest.fixture
def gateway_url(world: World) -> Iterator[str]:
    with serve(create_app(world.hub)) as url:
        yield url
