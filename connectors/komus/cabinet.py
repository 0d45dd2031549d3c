"""The Komus side of the cabinet: claims out and back, prices and promotions watched.

Installed beside the Komus connector with clients of its own that share the same
database-backed request budget, so both together stay under the token's limit.
"""

from __future__ import annotations

from decimal import Decimal

import structlog

from connectors.komus.cabinet_api import partner_prices, promotions
from connectors.komus.claim_sync import ClaimSender, ClaimTracker
from connectors.komus.client import RetryPolicy
from connectors.komus.clients import SANDBOX, KomusClients
from connectors.komus.ratelimit import WINDOW_SECONDS, RateBudget
from gateway.cabinet.claims import CHANNEL, Claims
from gateway.config import TenantSettings
from gateway.hub import Hub
from gateway.notifications.watchers import PriceWatcher, Promotion, PromotionWatcher
from gateway.scheduler import PeriodicJob

log = structlog.get_logger(__name__)

CLAIMS_JOB = "komus-claims"
PRICES_JOB = "komus-prices"
PROMOTIONS_JOB = "komus-promotions"


class KomusCatalog:
    """The watchers' view of Komus, through one tenant's client at a time."""

    def __init__(self, clients: KomusClients):
        self.clients = clients

    def configured(self, tenant: TenantSettings) -> bool:
        return self.clients.configured(tenant)

    def prices(self, tenant: TenantSettings, articles: list[str]) -> dict[str, Decimal]:
        client = self.clients.for_tenant(tenant)
        return partner_prices(client, articles, tenant.komus.region)

    def categories(self, tenant: TenantSettings, articles: list[str]) -> set[int]:
        client = self.clients.for_tenant(tenant)
        numbers = [int(a) for a in articles if a.isdigit()]
        found = {
            p.parent_id
            for p in client.props(numbers, fields="parentId").content
            if p.parent_id is not None
        }
        parents = {c.id: c.parent_id for c in client.categories()}
        for category in list(found):
            parent = parents.get(category)
            while parent and parent not in found:
                found.add(parent)
                parent = parents.get(parent)
        return found

    def promotions(self, tenant: TenantSettings) -> list[Promotion]:
        client = self.clients.for_tenant(tenant)
        return [
            Promotion(
                id=str(p.id),
                title=p.title,
                description=p.description,
                category_id=p.category_id,
                category_name=p.category_name,
                discount_percent=p.discount_percent,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
            )
            for p in promotions(client)
        ]


class KomusCabinetConnector:
    name = "komus-cabinet"

    def __init__(self, *, policy: RetryPolicy | None = None) -> None:
        self.policy = policy
        self.clients: KomusClients | None = None
        self.claims: Claims | None = None
        self.tracker: ClaimTracker | None = None
        self.prices: PriceWatcher | None = None
        self.promotions: PromotionWatcher | None = None

    def install(self, hub: Hub) -> None:
        settings = hub.settings.komus
        window = WINDOW_SECONDS
        if settings.base_url == SANDBOX:
            window *= settings.sandbox_options.time_scale
        budget = RateBudget(
            hub.db, limit=settings.requests_per_minute, window_seconds=window
        )
        self.clients = KomusClients(settings, hub.db, policy=self.policy, budget=budget)
        self.claims = Claims(hub)
        self.tracker = ClaimTracker(hub, self.clients, self.claims)
        catalog = KomusCatalog(self.clients)
        self.prices = PriceWatcher(hub, catalog)
        self.promotions = PromotionWatcher(hub, catalog)
        hub.senders[CHANNEL] = ClaimSender(hub, self.clients, self.claims)
        watch = hub.settings.notifications
        hub.jobs.extend(
            [
                PeriodicJob(
                    CLAIMS_JOB, settings.poll_interval_seconds, self.tracker.run_once
                ),
                PeriodicJob(
                    PRICES_JOB, watch.price_watch_seconds, self.prices.run_once
                ),
                PeriodicJob(
                    PROMOTIONS_JOB,
                    watch.promotion_watch_seconds,
                    self.promotions.run_once,
                ),
            ]
        )
        log.info(
            "komus_cabinet_ready",
            claims_poll_seconds=settings.poll_interval_seconds,
            price_watch_seconds=watch.price_watch_seconds,
            promotion_watch_seconds=watch.promotion_watch_seconds,
        )

    def close(self) -> None:
        if self.clients is not None:
            self.clients.close()
