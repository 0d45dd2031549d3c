"""Sends due deliveries: claim a batch, send each, record the outcome."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import structlog

from gateway.errors import FinalError, GatewayError, RetryableError
from gateway.metrics import DELIVERY_OUTCOMES, DELIVERY_RETRIES
from gateway.outbox import Claimed, Outbox
from gateway.senders import Sender

log = structlog.get_logger(__name__)


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        senders: dict[str, Sender],
        default_sender: Sender,
        *,
        concurrency: int = 4,
    ):
        self.outbox = outbox
        self.senders = senders
        self.default_sender = default_sender
        self.pool = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="send"
        )
        self.concurrency = concurrency

    def run_once(self) -> int:
        """Reclaim dead leases, then send what is due; returns how many were tried."""
        self.outbox.reclaim_expired()
        tried = 0
        while True:
            batch = self.outbox.claim()
            if not batch:
                return tried
            list(self.pool.map(self.send, batch))
            tried += len(batch)
            if len(batch) < self.outbox.settings.batch_size:
                return tried

    def run_forever(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        log.info("dispatcher_started", worker=self.outbox.worker_id)
        while not stop.is_set():
            try:
                tried = self.run_once()
            except Exception:
                log.exception(
                    "dispatch_pass_failed", next_step="retrying after a pause"
                )
                tried = 0
            if not tried:
                stop.wait(idle_seconds)
        log.info("dispatcher_stopped", worker=self.outbox.worker_id)

    def send(self, claimed: Claimed) -> None:
        bound = log.bind(
            delivery_id=claimed.id,
            tenant=claimed.tenant_id,
            channel=claimed.channel,
            attempt=claimed.attempt,
        )
        sender = self.senders.get(claimed.channel, self.default_sender)
        started = self.outbox.clock.now()
        try:
            result = sender(claimed)
        except (RetryableError, FinalError) as error:
            state = self.outbox.failed(claimed, error, started_at=started)
            self._count(claimed, state)
            return
        except GatewayError as error:
            state = self.outbox.failed(
                claimed, FinalError(str(error)), started_at=started
            )
            self._count(claimed, state)
            return
        except Exception as error:
            bound.exception("sender_crashed")
            retryable = RetryableError(f"sender crashed: {error!r}")
            state = self.outbox.failed(claimed, retryable, started_at=started)
            self._count(claimed, state)
            return
        self.outbox.delivered(
            claimed,
            started_at=started,
            status_code=result.status_code,
            response_excerpt=result.response_excerpt,
        )
        self._count(claimed, "delivered")

    @staticmethod
    def _count(claimed: Claimed, state: str) -> None:
        DELIVERY_OUTCOMES.labels(claimed.channel, state).inc()
        if state == "retrying":
            DELIVERY_RETRIES.labels(claimed.channel).inc()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
