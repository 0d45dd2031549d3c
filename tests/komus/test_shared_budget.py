"""Gateway processes sharing one Komus token on PostgreSQL stay under its limit.

The processes are real, each with its own engine; only the database is shared. The
sandbox counts requests per token as Komus does and blocks the token on the first
request over its limit. Its minute is scaled down (``time_scale``), and the
gateway's budget window with it, so that a burst of an hour runs in a minute.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.komus.sandbox import create_sandbox_app
from gateway.config import Settings, load_settings
from gateway.hub import Hub
from gateway.store.database import Database
from gateway.store.tables import Requisition
from tests.komus.harness import (
    ACME_TOKEN,
    Sandbox,
    line,
    receive,
    write_komus_config,
)
from tests.komus.test_ratelimit import most_in_any_window
from tests.support.processes import ROOT, start_gateway, stop
from tests.support.servers import free_port, serve, wait_until

SANDBOX_LIMIT = 12
BUDGET = 10
WINDOW = 3.0  # the sandbox's minute at time_scale 0.05
PER_PROCESS = 15

SUBMISSIONS = 1_000
BURST_SCALE = 0.03
"""A Komus minute of 1.8 s: about 5 000 requests at 150 a minute take a minute."""


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.mark.parametrize(
    "sandbox_extra", [{"requests_per_minute": SANDBOX_LIMIT, "time_scale": 0.05}]
)
def test_two_processes_with_one_token_never_trip_the_komus_limit(
    komus_settings, sandbox, postgres_url
):
    Database(postgres_url).migrate()
    command = [
        sys.executable,
        "-m",
        "tests.komus.burst",
        postgres_url,
        sandbox.api_url,
        ACME_TOKEN,
        str(PER_PROCESS),
        str(BUDGET),
        str(WINDOW),
    ]

    bursts = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [burst.communicate(timeout=120)[0] for burst in bursts]

    assert [burst.returncode for burst in bursts] == [0, 0]
    granted = [float(stamp) for out in outputs for stamp in out.split()]
    assert len(granted) == 2 * PER_PROCESS
    stats = sandbox.stats()
    assert stats["responses"][ACME_TOKEN] == {"200": 2 * PER_PROCESS}
    assert stats["blocked"] == {}
    assert most_in_any_window(granted, WINDOW * 0.9) <= BUDGET


@pytest.fixture
def burst_settings(tmp_path: Path, postgres_url: str) -> Settings:
    """Komus's real limits (180 a minute, the gateway spends 150) on a short minute."""
    config = write_komus_config(
        tmp_path,
        postgres_url,
        free_port(),
        komus={"poll_interval_seconds": 2},
        sandbox={"time_scale": BURST_SCALE, "requests_per_minute": 180},
        scheduler={"dispatch_interval_seconds": 0.1},
    )
    return load_settings(config)


@pytest.fixture
def burst_sandbox(burst_settings: Settings) -> Iterator[Sandbox]:
    app = create_sandbox_app(burst_settings)
    try:
        with serve(app, port=burst_settings.komus.sandbox_port) as url:
            yield Sandbox(url, app.state.sandbox.catalog)
    finally:
        app.state.sandbox.close()


def _waiting(hub: Hub) -> int:
    with hub.db.session() as session:
        return session.execute(
            select(func.count()).where(Requisition.state == "received")
        ).scalar_one()


def test_two_workers_submit_1000_requisitions_without_the_token_being_blocked(
    tmp_path: Path, burst_settings: Settings, burst_sandbox: Sandbox
):
    hub = Hub(burst_settings)
    hub.prepare()
    articles = burst_sandbox.articles(20)
    for number in range(SUBMISSIONS):
        receive(hub, f"ЗК-{number:04d}", [line(articles[number % 20], 1)])
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    config = Path(burst_settings.source)

    workers = [start_gateway("worker", config, log) for log in logs]
    try:
        wait_until(
            lambda: _waiting(hub) == 0 or burst_sandbox.stats()["blocked"],
            timeout=170,
            interval=0.5,
        )
    finally:
        for worker in workers:
            stop(worker)
        hub.stop()

    stats = burst_sandbox.stats()
    assert stats["blocked"] == {}
    assert set(stats["responses"][ACME_TOKEN]) == {"200", "201"}
    assert stats["requests"][ACME_TOKEN] > 180
    assert stats["orders"] == {ACME_TOKEN: SUBMISSIONS}
    assert stats["externalIdsUsedTwice"] == []
    submitted = [log.read_text().count('"order_submitted"') for log in logs]
    assert sum(submitted) == SUBMISSIONS
    assert min(submitted) > 0, f"both workers should have submitted: {submitted}"
