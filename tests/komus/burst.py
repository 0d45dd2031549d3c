"""A process that fires requests at Komus through the shared budget, for limit tests.

    python -m tests.komus.burst DATABASE_URL BASE_URL TOKEN COUNT LIMIT WINDOW

Prints one line per request on stdout: the moment (epoch seconds) its answer
arrived. Logs go to stderr.
"""

from __future__ import annotations

import sys
import time

from connectors.komus.client import KomusClient
from connectors.komus.ratelimit import RateBudget
from gateway import logs
from gateway.store.database import Database


def main(argv: list[str]) -> None:
    database_url, base_url, token, count, limit, window = argv
    logs.configure("WARNING", "json")  # stderr; stdout carries the answers
    db = Database(database_url)
    budget = RateBudget(db, limit=int(limit), window_seconds=float(window))
    client = KomusClient(
        base_url=base_url, token=token, tenant_id="burst", budget=budget
    )
    try:
        for _ in range(int(count)):
            client.regions()
            print(f"{time.time():.6f}", flush=True)
    finally:
        client.close()
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
