"""A process that fires requests at Komus through the shared budget, for limit tests.

    python -m tests.komus.burst DATABASE_URL BASE_URL TOKEN COUNT LIMIT WINDOW

Prints one line per request on stdout once it is answered: the moment (epoch
seconds) the budget granted it. Answers arrive later, by however long the machine
is busy, so only grants say what the budget did. Logs go to stderr.
"""

from __future__ import annotations

import sys
import time

from connectors.komus.client import KomusClient
from connectors.komus.ratelimit import RateBudget
from gateway import logs
from gateway.store.database import Database


class LastReading:
    """The budget's clock; its last reading is when the latest slot was taken."""

    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        self.value = time.time()
        return self.value


def main(argv: list[str]) -> None:
    database_url, base_url, token, count, limit, window = argv
    logs.configure("WARNING", "json")  # stderr; stdout carries the grants
    db = Database(database_url)
    clock = LastReading()
    budget = RateBudget(db, limit=int(limit), window_seconds=float(window), clock=clock)
    client = KomusClient(
        base_url=base_url, token=token, tenant_id="burst", budget=budget
    )
    try:
        for _ in range(int(count)):
            client.regions()
            print(f"{clock.value:.6f}", flush=True)
    finally:
        client.close()
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
