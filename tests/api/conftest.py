"""A gateway serving its HTTP API on loopback, over SQLite and over PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.api import create_app
from gateway.config import load_settings
from gateway.hub import Hub
from tests.api.harness import Api
from tests.support.config import write_config
from tests.support.servers import serve


@pytest.fixture
def gateway(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    """A prepared hub on each database; nothing runs in the background."""
    hub = Hub(load_settings(write_config(tmp_path, database_url)))
    hub.prepare()
    yield hub
    hub.stop()


@pytest.fixture
def api(gateway: Hub) -> Iterator[Api]:
    with serve(create_app(gateway)) as url:
        api = Api(url, gateway)
        yield api
        api.close()
