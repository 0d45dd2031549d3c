"""The cabinet gateway for claim tests, with an SMTP server listening."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.cabinet_claims.harness import Cabinet, Mailbox, cabinet_gateway, smtp_server


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook subscriptions keep their secrets sealed with this key."""
    monkeypatch.setenv("GATEWAY_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture
def cabinet(tmp_path: Path, database_url: str) -> Iterator[Cabinet]:
    with cabinet_gateway(tmp_path, database_url) as running:
        yield running


@pytest.fixture
def mailbox(cabinet: Cabinet) -> Iterator[Mailbox]:
    with smtp_server(cabinet.smtp_port) as box:
        yield box
