"""Outbox throughput: deliveries per second to a loopback receiver.

    python bench/outbox.py                       # SQLite, and PostgreSQL if configured
    python bench/outbox.py --count 5000 --database postgres

PostgreSQL is used when GATEWAY_BENCH_DATABASE_URL (or GATEWAY_TEST_DATABASE_URL) is
set; the benchmark works in a schema of its own and drops it afterwards. The receiver
runs in its own process (uvicorn) so that it does not share the GIL with the gateway.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway import logs  # noqa: E402
from gateway.config import OutboxSettings, RetrySchedule  # noqa: E402
from gateway.dispatcher import Dispatcher  # noqa: E402
from gateway.outbox import DeliveryDraft, Outbox  # noqa: E402
from gateway.senders import HttpSender  # noqa: E402
from gateway.store.database import Database  # noqa: E402
from gateway.store.tables import Tenant  # noqa: E402

PAYLOAD = (
    b'{"type":"order.status_changed","timestamp":"2026-02-10T09:00:00Z",'
    b'"data":{"order_id":17,"status":"confirmed","total":"5374.10"}}'
)


def start_receiver(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            httpx.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("receiver did not start")


def run(url: str, count: int, concurrency: int, target: str) -> float:
    db = Database(url)
    db.migrate()
    with db.session() as session:
        session.merge(Tenant(id="bench", legal_name="Bench", inn="7707083893"))
    settings = OutboxSettings(
        batch_size=100,
        concurrency=concurrency,
        schedules={"default": RetrySchedule(delays=[0, 1], jitter=0)},
        allow_private_targets=["127.0.0.0/8"],
    )
    outbox = Outbox(db, settings)
    with db.session() as session:
        for _ in range(count):
            outbox.add(
                session,
                DeliveryDraft(
                    tenant_id="bench", channel="http", target=target, payload=PAYLOAD
                ),
            )
    sender = HttpSender(timeout=10, allowed_private=settings.allow_private_targets)
    dispatcher = Dispatcher(outbox, {}, sender, concurrency=concurrency)
    started = time.perf_counter()
    done = 0
    while done < count:
        done += dispatcher.run_once()
    elapsed = time.perf_counter() - started
    states = outbox.depth()["states"]
    assert states["delivered"] >= count, states
    dispatcher.close()
    sender.close()
    db.dispose()
    return count / elapsed


def postgres_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument("--port", type=int, default=18777)
    args = parser.parse_args()
    logs.configure("WARNING", "console")

    postgres = os.environ.get("GATEWAY_BENCH_DATABASE_URL") or os.environ.get(
        "GATEWAY_TEST_DATABASE_URL"
    )
    receiver = start_receiver(args.port)
    target = f"http://127.0.0.1:{args.port}/hook"
    try:
        for kind in ("sqlite", "postgres"):
            if args.database not in (kind, "both"):
                continue
            if kind == "postgres" and not postgres:
                print("postgres: skipped (set GATEWAY_BENCH_DATABASE_URL)")
                continue
            rates = []
            for _ in range(args.rounds):
                if kind == "sqlite":
                    with tempfile.TemporaryDirectory() as folder:
                        rates.append(
                            run(
                                f"sqlite:///{folder}/bench.db",
                                args.count,
                                args.concurrency,
                                target,
                            )
                        )
                else:
                    url, schema = postgres_schema_url(postgres)
                    try:
                        rates.append(run(url, args.count, args.concurrency, target))
                    finally:
                        drop_schema(postgres, schema)
            print(
                f"{kind}: {args.count} deliveries x {args.rounds} rounds, concurrency "
                f"{args.concurrency}: median {statistics.median(rates):.0f}/s "
                f"(min {min(rates):.0f}, max {max(rates):.0f})"
            )
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    main()
