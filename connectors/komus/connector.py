"""The Komus connector: order submission and tracking, plugged into the hub."""

from __future__ import annotations

import structlog

from connectors.komus.cancellation import CHANNEL, CancelSender, cancellations
from connectors.komus.client import RetryPolicy
from connectors.komus.clients import SANDBOX, KomusClients
from connectors.komus.payments import PAYMENTS_JOB, PaymentPoller
from connectors.komus.ratelimit import WINDOW_SECONDS, RateBudget
from connectors.komus.statuses import load_status_table
from connectors.komus.submission import KomusSubmitter
from connectors.komus.tracking import KomusTracker
from gateway.hub import Hub
from gateway.scheduler import PeriodicJob

log = structlog.get_logger(__name__)

TRACKING_JOB = "komus-tracking"


class KomusConnector:
    name = "komus"

    def __init__(self, *, policy: RetryPolicy | None = None) -> None:
        self.policy = policy
        self.clients: KomusClients | None = None
        self.tracker: KomusTracker | None = None
        self.payments: PaymentPoller | None = None

    def install(self, hub: Hub) -> None:
        """Submit requisitions to Komus, poll their orders, cancel withdrawn ones.

        A broken status table stops the start here, with ``file:line:col`` for
        every bad row, rather than leaving orders untracked.
        """
        settings = hub.settings.komus
        statuses = load_status_table(settings.statuses_table)
        window = WINDOW_SECONDS
        if settings.base_url == SANDBOX:
            # The built-in sandbox may count its minute shorter; keep in step.
            window *= settings.sandbox_options.time_scale
        budget = RateBudget(
            hub.db, limit=settings.requests_per_minute, window_seconds=window
        )
        self.clients = KomusClients(settings, hub.db, policy=self.policy, budget=budget)
        self.tracker = KomusTracker(hub.pipeline, self.clients, statuses)
        hub.pipeline.submitter = KomusSubmitter(self.clients, settings)
        hub.pipeline.routes.append(cancellations)
        hub.senders[CHANNEL] = CancelSender(hub.settings, self.clients)
        hub.jobs.append(
            PeriodicJob(
                TRACKING_JOB, settings.poll_interval_seconds, self.tracker.run_once
            )
        )
        self.payments = PaymentPoller(hub.pipeline, self.clients)
        hub.jobs.append(
            PeriodicJob(
                PAYMENTS_JOB, settings.poll_interval_seconds, self.payments.run_once
            )
        )
        log.info(
            "komus_connector_ready",
            base_url=self.clients.base_url,
            requests_per_minute=settings.requests_per_minute,
            poll_seconds=settings.poll_interval_seconds,
            statuses=statuses.source,
        )

    def close(self) -> None:
        if self.clients is not None:
            self.clients.close()
