"""A cabinet gateway on a manual clock, its SMTP server, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from gateway.clock import ManualClock
from tests.cabinet_claims.harness import Cabinet, Mailbox, cabinet_gateway, smtp_server
from tests.support.receiver import Receiver
from tests.support.servers import serve

MORNING_UTC = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
"""07:00 in Moscow: an hour before the digest."""


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING_UTC)


@pytest.fixture
def cabinet(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[Cabinet]:
    with cabinet_gateway(tmp_path, database_url, clock) as running:
        yield running


@pytest.fixture
def mailbox(cabinet: Cabinet) -> Iterator[Mailbox]:
    with smtp_server(cabinet.smtp_port) as box:
        yield box


@pytest.fixture
def receiver(cabinet: Cabinet) -> Iterator[Receiver]:
    """A webhook endpoint subscribed to the cabinet's four event types."""
    found = Receiver()
    with serve(found.app) as url:
        port = url.rsplit(":", 1)[1]
        assert cabinet.crm.subscriptions is not None
        cabinet.crm.subscriptions.create(
            "acme",
            f"http://hooks.example.com:{port}/hook",
            ["price.changed", "promotion.published", "claim.answered"],
        )
        yield found
