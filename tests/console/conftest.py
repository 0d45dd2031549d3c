"""A gateway with its console on loopback, and browsers signed in to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.api import create_app
from gateway.config import load_settings
from gateway.hub import Hub
from tests.console.harness import Browser, add_user
from tests.support.config import write_config
from tests.support.servers import serve

CONSOLE_YAML = """
console:
  session_secret: test-session-secret
  lockout_threshold: 5
  lockout_minutes: 15
"""


@pytest.fixture
def gateway(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    path = write_config(tmp_path, database_url, extra=CONSOLE_YAML)
    hub = Hub(load_settings(path))
    hub.prepare()
    yield hub
    hub.stop()


@pytest.fixture
def console_url(gateway: Hub) -> Iterator[str]:
    with serve(create_app(gateway)) as url:
        yield url


@pytest.fixture
def browser(gateway: Hub, console_url: str) -> Iterator[Callable[..., Browser]]:
    """``browser(login, role, tenant)``: a new console user, signed in."""
    opened: list[Browser] = []

    def open_as(login: str, role: str, tenant: str | None = None) -> Browser:
        add_user(gateway, login, role, tenant)
        client = Browser(console_url)
        assert client.sign_in(login).status_code == 303
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        client.close()
