"""Signed webhook deliveries per second to a loopback receiver.

    python bench/webhooks.py [--count 2000] [--concurrency 4]

The same path production takes: deliveries of channel ``webhook`` queued for one
subscription, claimed by the dispatcher, signed at send time (Standard Webhooks,
HMAC-SHA256 over id.timestamp.body) by the CRM connector's sender, which resolves and
checks the address before each connection; the subscription's secret is stored sealed
and opened for each send, as in production. The receiver runs in its own uvicorn
process and answers 204. SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.outbox import PAYLOAD, start_receiver  # noqa: E402
from connectors.crm.fanout import SUBSCRIPTION_HEADER  # noqa: E402
from connectors.crm.sender import WebhookSender  # noqa: E402
from connectors.crm.subscriptions import Subscriptions  # noqa: E402
from gateway import logs  # noqa: E402
from gateway.config import parse_settings  # noqa: E402
from gateway.dispatcher import Dispatcher  # noqa: E402
from gateway.hub import Hub  # noqa: E402
from gateway.outbox import DeliveryDraft  # noqa: E402
from gateway.vault import Vault, new_key  # noqa: E402

CONFIG = """
database: {{url: "sqlite:///{folder}/bench.db"}}
scheduler: {{enabled: false}}
outbox:
  batch_size: 100
  concurrency: {concurrency}
  allow_private_targets: ["127.0.0.0/8"]
tenants:
  - id: bench
    legal_name: ООО "Бенч"
    inn: "7707083893"
    kpp: "773601001"
"""


def run(count: int, concurrency: int, target: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = parse_settings(CONFIG.format(folder=folder, concurrency=concurrency))
        hub = Hub(settings)
        hub.prepare()
        vault = Vault([new_key()])
        subscriptions = Subscriptions(
            hub.db,
            hub.clock,
            allowed=settings.outbox.allow_private_targets,
            vault=vault,
        )
        subscription = subscriptions.create("bench", target, ["order.status_changed"])
        with hub.db.session() as session:
            for number in range(count):
                hub.outbox.add(
                    session,
                    DeliveryDraft(
                        tenant_id="bench",
                        channel="webhook",
                        target=target,
                        payload=PAYLOAD,
                        headers={
                            "webhook-id": f"msg_{number}",
                            SUBSCRIPTION_HEADER: str(subscription.id),
                        },
                    ),
                )
        sender = WebhookSender(hub, vault=vault)
        dispatcher = Dispatcher(
            hub.outbox, {"webhook": sender}, hub.default_sender, concurrency=concurrency
        )
        started = time.perf_counter()
        done = 0
        while done < count:
            done += dispatcher.run_once()
        elapsed = time.perf_counter() - started
        delivered = hub.outbox.depth()["states"]["delivered"]
        assert delivered == count, f"only {delivered} of {count} delivered"
        dispatcher.close()
        hub.stop()
        return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=18778)
    args = parser.parse_args()
    logs.configure("WARNING", "console")

    receiver = start_receiver(args.port)
    try:
        target = f"http://127.0.0.1:{args.port}/hook"
        rates = [run(args.count, args.concurrency, target) for _ in range(args.rounds)]
    finally:
        receiver.terminate()
        receiver.wait()
    print(
        f"signed webhooks: {args.count} deliveries x {args.rounds} rounds, concurrency "
        f"{args.concurrency}: median {statistics.median(rates):.0f}/s "
        f"(min {min(rates):.0f}, max {max(rates):.0f})"
    )


if __name__ == "__main__":
    main()
