"""Peak memory of the spending export (every order line) at 10 000 to 1 000 000 lines.

Builds a migrated SQLite gateway database with one tenant's orders, ``LINES_PER_DAY``
order lines a day, written by plain ``executemany`` (the store keeps kopecks and
thousandths as integers, so the rows go in as the ORM would write them). Each
measurement then runs in a fresh process, so that its peak resident set size
(``ru_maxrss``) belongs to that export alone: the same generators the REST route
and the console hand to their streaming responses (``stream_rows`` over a
``yield_per`` cursor into ``exports.csv_chunks`` or ``exports.xlsx_chunks``), read
to the end and thrown away. A baseline process opens the same database and reads
no rows. If memory were proportional to the rows, 1 000 000 lines would cost about
a hundred times 10 000; streamed, the three sizes stay close to the baseline.

    .venv/bin/python bench/spending_export.py                # 1 000 000 lines
    .venv/bin/python bench/spending_export.py --lines 200000 --keep var/bench.db
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LINES_PER_DAY = 1000
LINES_PER_ORDER = 10
FIRST_DAY = date(2024, 1, 1)
SIZES = (10_000, 100_000, 1_000_000)
TENANT = "acme"
CONFIG = """
server:
  admin_token: bench-admin-token
database:
  url: "sqlite:///{path}"
scheduler:
  enabled: false
logging:
  level: WARNING
  format: json
tenants:
  - id: acme
    legal_name: ООО "Акме"
    inn: "7707083893"
    kpp: "773601001"
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        default: true
"""


def _hub(database: Path):  # noqa: ANN202 - imported late, see main
    from gateway.config import load_settings
    from gateway.hub import Hub

    config = database.with_suffix(".yaml")
    config.write_text(CONFIG.format(path=database), encoding="utf-8")
    return Hub(load_settings(config))


def build(database: Path, lines: int) -> float:
    """The schema by migration, then ``lines`` order lines; returns seconds taken."""
    started = time.monotonic()
    hub = _hub(database)
    hub.prepare()
    hub.stop()
    random.seed(20260101)
    articles = [
        (str(100000 + n), f"Товар № {n}", 1000 + n * 37 % 90000) for n in range(400)
    ]
    orders = lines // LINES_PER_ORDER
    per_day = LINES_PER_DAY // LINES_PER_ORDER
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA journal_mode=WAL")

    def moment(n: int) -> str:
        day = FIRST_DAY + timedelta(days=n // per_day)
        at = datetime.combine(day, datetime.min.time()) + timedelta(seconds=n % per_day)
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")

    with connection:
        connection.executemany(
            "INSERT INTO requisitions (id, tenant_id, channel, external_id, revision, "
            "number, state, cost_center, currency, created_at, updated_at) "
            "VALUES (?, ?, 'api', ?, '1', ?, 'ordered', ?, 'RUB', ?, ?)",
            (
                (n + 1, TENANT, f"B-{n}", f"B-{n}", f"CC-{n % 7}", moment(n), moment(n))
                for n in range(orders)
            ),
        )
        connection.executemany(
            "INSERT INTO orders (id, tenant_id, requisition_id, channel, number, "
            "komus_order_id, status, currency, delivery_address_code, total, "
            "created_at, updated_at) VALUES (?, ?, ?, 'api', ?, ?, 'delivered', "
            "'RUB', 'MAIN', 0, ?, ?)",
            (
                (n + 1, TENANT, n + 1, f"KM{n:08d}", str(n + 1), moment(n), moment(n))
                for n in range(orders)
            ),
        )
        connection.executemany(
            "INSERT INTO order_lines (order_id, line_no, article, name, unit_code, "
            "price, vat_rate, net_amount, vat_amount, gross_amount, quantity_ordered, "
            "quantity_shipped, quantity_delivered) "
            "VALUES (?, ?, ?, ?, '796', ?, '22', ?, ?, ?, ?, 0, 0)",
            _lines(articles, orders),
        )
    connection.close()
    return time.monotonic() - started


def _lines(articles: list[tuple[str, str, int]], orders: int):  # noqa: ANN202
    for order in range(1, orders + 1):
        for line_no in range(1, LINES_PER_ORDER + 1):
            article, name, price = random.choice(articles)
            quantity = random.randint(1, 20)
            gross = price * quantity
            vat = (gross * 22 + 61) // 122  # extracted at 22/122, rounded half up
            yield (
                order,
                line_no,
                article,
                name,
                price,
                gross - vat,
                vat,
                gross,
                quantity * 1000,
            )


def measure(database: Path, lines: int, kind: str) -> dict:
    """One export in this process; the caller runs it in a child of its own."""
    from sqlalchemy import text

    from gateway.api.reports import stream_rows
    from gateway.cabinet import exports
    from gateway.cabinet.reports import REPORTS, Context, Filters

    hub = _hub(database)
    days = max(lines // LINES_PER_DAY, 1)
    filters = Filters(TENANT, FIRST_DAY, FIRST_DAY + timedelta(days=days - 1))
    report = REPORTS["lines"]
    counted = 0

    def rows():  # noqa: ANN202
        nonlocal counted
        for row in stream_rows(hub, report, filters, Context()):
            counted += 1
            yield row

    with hub.db.session() as session:
        session.execute(text("SELECT 1"))
    before = _resident_mb()
    highest = before
    started = time.monotonic()
    size = 0
    if kind != "baseline":
        writer = exports.csv_chunks if kind == "csv" else exports.xlsx_chunks
        for chunk in writer(report, rows()):
            size += len(chunk)
            highest = max(highest, _resident_mb())
    seconds = time.monotonic() - started
    hub.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "kind": kind,
        "lines": counted,
        "bytes": size,
        "seconds": seconds,
        "peak_mb": peak,
        "before_mb": before,
        "highest_mb": highest,
    }


def _resident_mb() -> float:
    """The resident set size now, from /proc (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(database: Path, lines: int, kind: str) -> dict:
    answer = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            kind,
            "--db",
            str(database),
            "--lines",
            str(lines),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=max(SIZES))
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--measure", choices=("csv", "xlsx", "baseline"), help=argparse.SUPPRESS
    )
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.db, options.lines, options.measure)))
        return

    with tempfile.TemporaryDirectory() as scratch:
        database = options.keep or Path(scratch) / "spending.db"
        database.parent.mkdir(parents=True, exist_ok=True)
        if not database.exists():
            took = build(database, options.lines)
            print(f"built {options.lines} order lines in {took:.1f} s", flush=True)
        base = _child(database, 0, "baseline")
        print(
            "baseline (same imports and database, no rows read): "
            f"RSS {base['before_mb']:.1f} MB, peak {base['peak_mb']:.1f} MB",
            flush=True,
        )
        print(
            "| lines | format | file size | seconds | lines / s | RSS before | "
            "highest RSS while streaming | peak RSS (ru_maxrss) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for size in (s for s in SIZES if s <= options.lines):
            for kind in ("csv", "xlsx"):
                found = _child(database, size, kind)
                rate = found["lines"] / found["seconds"] if found["seconds"] else 0
                megabytes = found["bytes"] / 2**20
                print(
                    f"| {found['lines']:,} | {kind} | {megabytes:.1f} MB | "
                    f"{found['seconds']:.1f} | {rate:,.0f} | "
                    f"{found['before_mb']:.1f} MB | {found['highest_mb']:.1f} MB | "
                    f"{found['peak_mb']:.1f} MB |",
                    flush=True,
                )
    print(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
