"""Prometheus metrics: counters per process, queue figures read from the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "gateway_messages_total",
    "Payloads stored in the message log",
    ["channel", "direction", "state"],
    registry=REGISTRY,
)
DELIVERY_OUTCOMES = Counter(
    "gateway_delivery_attempts_total",
    "Delivery attempts by the state they left the delivery in",
    ["channel", "outcome"],
    registry=REGISTRY,
)
DELIVERY_RETRIES = Counter(
    "gateway_delivery_retries_total",
    "Failed attempts that were scheduled to be tried again",
    ["channel"],
    registry=REGISTRY,
)
REQUISITIONS = Counter(
    "gateway_requisitions_total",
    "Requisitions taken in, by the state they were left in",
    ["channel", "state"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "gateway_job_runs_total",
    "Scheduled job runs by outcome",
    ["job", "outcome"],
    registry=REGISTRY,
)


class QueueCollector(Collector):
    """Reads the outbox depth from the database at scrape time: all nodes agree."""

    def __init__(self, depth: Callable[[], dict[str, Any]]):
        self.depth = depth

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering must not touch the database: it may not be migrated yet.
        yield GaugeMetricFamily("gateway_deliveries", "", labels=["state"])
        yield GaugeMetricFamily("gateway_outbox_oldest_pending_age_seconds", "")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self.depth()
        by_state = GaugeMetricFamily(
            "gateway_deliveries", "Deliveries in the outbox by state", labels=["state"]
        )
        for state, count in figures["states"].items():
            by_state.add_metric([state], count)
        yield by_state
        yield GaugeMetricFamily(
            "gateway_outbox_oldest_pending_age_seconds",
            "Age of the oldest delivery not yet delivered or dead",
            value=figures["oldest_age"],
        )


_queue_collector: QueueCollector | None = None


def watch_queue(depth: Callable[[], dict[str, Any]]) -> None:
    """Point the queue gauges at an outbox; replaces an earlier one (tests, reloads)."""
    global _queue_collector
    if _queue_collector is not None:
        REGISTRY.unregister(_queue_collector)
    _queue_collector = QueueCollector(depth)
    REGISTRY.register(_queue_collector)


def render() -> bytes:
    return generate_latest(REGISTRY)
