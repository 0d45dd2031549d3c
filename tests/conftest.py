"""Fixtures shared by every test: settings, a migrated hub on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gateway.config import Settings, load_settings
from gateway.hub import Hub
from tests.support.config import write_config

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
POSTGRES_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A private schema in the test database, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("GATEWAY_TEST_DATABASE_URL is not set; PostgreSQL tests need it")
    schema = f"gw_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def config_path(tmp_path: Path, database_url: str) -> Path:
    return write_config(tmp_path, database_url)


@pytest.fixture
def settings(config_path: Path) -> Settings:
    return load_settings(config_path)


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    hub = Hub(settings)
    hub.prepare()
    yield hub
    hub.stop()
