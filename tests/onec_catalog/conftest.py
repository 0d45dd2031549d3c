"""A gateway, its mappings folder and one Komus sandbox on loopback for the module.

The sandbox only serves the catalogue here (nothing orders), so one per test module
is enough; each test gets its own gateway database and mappings folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.komus.client import RetryPolicy
from connectors.komus.connector import KomusConnector
from connectors.komus.sandbox import create_sandbox_app
from connectors.komus.sandbox.catalog import Catalog
from gateway.config import KomusSandboxOptions, Settings, load_settings
from gateway.hub import Hub
from tests.komus.harness import write_komus_config
from tests.support.servers import free_port, serve

REPO = Path(__file__).resolve().parents[2]
ONEC_SAMPLES = REPO.parent / "shared" / "samples" / "1c"
SCHEMAS = ONEC_SAMPLES / "schema"

OFFICIAL_IMPORT = ONEC_SAMPLES / "07_official1c_import_cml204_utf8.xml"
OFFICIAL_OFFERS = ONEC_SAMPLES / "08_official1c_offers_cml204_utf8.xml"
UT11_OFFERS = ONEC_SAMPLES / "09_ut11_offers_cml207_ns_utf8bom.xml"
UT11_COUNTERPARTIES = ONEC_SAMPLES / "10_ut11_contragents_cml209_ns_utf8.xml"
UT11_ORDERS = ONEC_SAMPLES / "05_ut11_documents_to_site_cml209_ns_utf8.xml"

REGION = "77"
QUICK_RETRIES = RetryPolicy(attempts=4, initial_backoff=0.05, max_backoff=0.3)


class KomusSandbox:
    def __init__(self, port: int, catalog: Catalog):
        self.port = port
        self.catalog = catalog


@pytest.fixture(scope="module")
def komus_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KomusSandbox]:
    options = KomusSandboxOptions(
        database=str(tmp_path_factory.mktemp("komus") / "sandbox.db"),
        time_scale=0.05,
    )
    app = create_sandbox_app(options)
    port = free_port()
    try:
        with serve(app, port=port):
            yield KomusSandbox(port, app.state.sandbox.catalog)
    finally:
        app.state.sandbox.close()


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    """The gateway's mappings folder: the shipped value tables, nothing else."""
    root = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings" / "tables", root / "tables")
    return root


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, komus_sandbox: KomusSandbox, mappings: Path
) -> Settings:
    return load_settings(write_komus_config(tmp_path, database_url, komus_sandbox.port))


@pytest.fixture
def gateway(settings: Settings) -> Iterator[Hub]:
    """A migrated hub with the Komus connector, as ``serve`` installs it."""
    hub = Hub(settings)
    hub.prepare()
    connector = KomusConnector(policy=QUICK_RETRIES)
    connector.install(hub)
    yield hub
    connector.close()
    hub.stop()


@pytest.fixture
def bare_gateway(settings: Settings) -> Iterator[Hub]:
    """A migrated hub without the Komus connector (a one-off job's hub)."""
    hub = Hub(settings)
    hub.prepare()
    yield hub
    hub.stop()
