"""Two gateway processes sharing one Komus token on PostgreSQL stay under its limit.

The processes are real (``python -m tests.komus.burst``), each with its own engine;
only the database is shared. The sandbox counts requests per token as Komus does and
blocks the token on the first request over its limit.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from gateway.store.database import Database
from tests.komus.harness import ACME_TOKEN
from tests.komus.test_ratelimit import most_in_any_window
from tests.support.processes import ROOT

SANDBOX_LIMIT = 12
BUDGET = 10
WINDOW = 3.0  # the sandbox's minute at time_scale 0.05
PER_PROCESS = 15


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
    answered = [float(stamp) for out in outputs for stamp in out.split()]
    assert len(answered) == 2 * PER_PROCESS
    stats = sandbox.stats()
    assert stats["responses"][ACME_TOKEN] == {"200": 2 * PER_PROCESS}
    assert stats["blocked"] == {}
    assert most_in_any_window(answered, WINDOW * 0.9) <= BUDGET
