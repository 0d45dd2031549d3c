"""Time the console's filtered order list over 100 000 orders on SQLite.

Fills a fresh database (bulk insert, two tenants, a spread of dates, statuses and
totals), then fetches the orders page the way a signed-in manager of one tenant
would: over HTTP on loopback, a status, a date range and an amount range, newest
first, page 2. Prints the median and the slowest of the timed runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.api import create_app  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.console.users import create_user  # noqa: E402
from gateway.hub import Hub  # noqa: E402
from gateway.store.tables import Order, Requisition  # noqa: E402
from tests.console.harness import PASSWORD, Browser  # noqa: E402
from tests.support.config import write_config  # noqa: E402
from tests.support.servers import serve  # noqa: E402

ORDERS = 100_000
RUNS = 20
STATUSES = ("submitted", "confirmed", "invoiced", "paid", "shipped", "delivered")
FILTER = "/console/orders?status=shipped&from=2026-03-01&to=2026-09-30&min=1000&page=2"


def fill(hub: Hub) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chance = random.Random(7)
    requisitions, orders = [], []
    for n in range(1, ORDERS + 1):
        tenant = "acme" if n % 2 else "globex"
        at = start + timedelta(minutes=n * 5)
        requisitions.append(
            {
                "id": n,
                "tenant_id": tenant,
                "channel": "api",
                "external_id": f"B-{n}",
                "revision": "",
                "number": f"ЗК-{n}",
                "state": "ordered",
                "currency": "RUB",
                "created_at": at,
                "updated_at": at,
            }
        )
        total = Decimal(chance.randint(100, 500_000)) / 100
        orders.append(
            {
                "tenant_id": tenant,
                "requisition_id": n,
                "channel": chance.choice(("api", "onec", "sap")),
                "number": f"KM-{n:06}",
                "komus_order_id": f"K{n}",
                "status": chance.choice(STATUSES),
                "net_total": total,
                "vat_total": Decimal(0),
                "total": total,
                "currency": "RUB",
                "created_at": at,
                "updated_at": at,
            }
        )
    with hub.db.session() as session:
        session.execute(Requisition.__table__.insert(), requisitions)  # type: ignore[attr-defined]
        session.execute(Order.__table__.insert(), orders)  # type: ignore[attr-defined]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="console-bench-"))
    config = write_config(folder, f"sqlite:///{folder / 'bench.db'}")
    hub = Hub(load_settings(config))
    hub.prepare()
    began = time.perf_counter()
    fill(hub)
    print(f"filled {ORDERS} orders in {time.perf_counter() - began:.1f} s")
    create_user(hub, "bench", PASSWORD, "manager", "acme", actor="bench")
    with serve(create_app(hub)) as url:
        browser = Browser(url)
        browser.sign_in("bench")
        first = browser.get(FILTER)
        assert first.status_code == 200 and "Всего:" in first.text
        timings = []
        for _ in range(RUNS):
            began = time.perf_counter()
            answer = browser.get(FILTER)
            timings.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200
        total_line = next(
            line for line in answer.text.splitlines() if "Всего:" in line
        ).strip()
        print(total_line, f"page {len(answer.content)} bytes")
        print(
            f"filtered list over HTTP: median {statistics.median(timings):.0f} ms, "
            f"max {max(timings):.0f} ms ({RUNS} runs)"
        )
        browser.close()
    hub.stop()


if __name__ == "__main__":
    main()
