"""A gateway with the Komus connector and a Komus sandbox, both on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.komus.connector import KomusConnector
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.komus.harness import (
    QUICK_RETRIES,
    Sandbox,
    running_sandbox,
    write_komus_config,
)
from tests.support.servers import free_port

"""Retries as in production, with waits short enough for a test."""


@pytest.fixture
def komus_extra() -> dict[str, Any]:
    """Keys of the ``komus`` section a test changes (parametrize to override)."""
    return {}


@pytest.fixture
def sandbox_extra() -> dict[str, Any]:
    """Keys of ``komus.sandbox_options`` a test changes."""
    return {}


@pytest.fixture
def komus_settings(
    tmp_path: Path,
    database_url: str,
    komus_extra: dict[str, Any],
    sandbox_extra: dict[str, Any],
) -> Settings:
    path = write_komus_config(
        tmp_path, database_url, free_port(), komus=komus_extra, sandbox=sandbox_extra
    )
    return load_settings(path)


@pytest.fixture
def sandbox(komus_settings: Settings) -> Iterator[Sandbox]:
    with running_sandbox(komus_settings) as running:
        yield running


@pytest.fixture
def connector() -> KomusConnector:
    return KomusConnector(policy=QUICK_RETRIES)


@pytest.fixture
def gateway(
    komus_settings: Settings, sandbox: Sandbox, connector: KomusConnector
) -> Iterator[Hub]:
    """A migrated hub with the Komus connector installed; nothing runs by itself."""
    hub = Hub(komus_settings)
    hub.prepare()
    connector.install(hub)
    yield hub
    connector.close()
    hub.stop()
