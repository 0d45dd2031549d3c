"""Watchers that turn what Komus publishes into events: price changes and promotions.

Both run as scheduled singleton jobs over the articles each tenant has actually
ordered. The price watcher compares Komus's contract price with the last one it saw
and records one ``price.changed`` per article whose change reaches the lowest
threshold any of the tenant's users asked for (or the configured default when none
did); the per-user threshold is applied again when e-mails are chosen. The known
price moves in the same transaction as the event, so a change is told once. The
promotion watcher records ``promotion.published`` once per promotion and tenant, for
promotions in the categories (or their parent groups) the tenant buys from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

import structlog
from sqlalchemy import select

from gateway.config import TenantSettings
from gateway.errors import GatewayError
from gateway.hub import Hub
from gateway.notifications.kinds import PRICE
from gateway.notifications.preferences import price_floor
from gateway.store.notifications import KnownPrice, SeenPromotion
from gateway.store.tables import Order, OrderLine

log = structlog.get_logger(__name__)

PERCENT = Decimal("0.01")


@dataclass(frozen=True)
class Promotion:
    id: str
    title: str
    description: str
    category_id: int
    category_name: str | None
    discount_percent: Decimal
    valid_from: date
    valid_to: date


class CatalogSource(Protocol):
    """What the watchers ask Komus; the Komus connector provides it."""

    def configured(self, tenant: TenantSettings) -> bool: ...

    def prices(
        self, tenant: TenantSettings, articles: list[str]
    ) -> dict[str, Decimal]: ...

    def categories(self, tenant: TenantSettings, articles: list[str]) -> set[int]:
        """The categories of ``articles`` and every group above them."""
        ...

    def promotions(self, tenant: TenantSettings) -> list[Promotion]: ...


def bought_articles(hub: Hub, tenant_id: str) -> list[str]:
    with hub.db.session() as session:
        return sorted(
            session.execute(
                select(OrderLine.article)
                .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
                .where(Order.tenant_id == tenant_id)
                .distinct()
            ).scalars()
        )


def article_names(hub: Hub, tenant_id: str, articles: list[str]) -> dict[str, str]:
    """The names Komus gave these articles on the tenant's orders."""
    with hub.db.session() as session:
        rows = session.execute(
            select(OrderLine.article, OrderLine.name)
            .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
            .where(
                Order.tenant_id == tenant_id,
                OrderLine.article.in_(articles),  # type: ignore[attr-defined]
                OrderLine.name.is_not(None),  # type: ignore[union-attr]
            )
        ).all()
    return {article: name for article, name in rows}


def change_percent(old: Decimal, new: Decimal) -> Decimal:
    return ((new - old) / old * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


class Watcher:
    """Looks at every tenant the catalog source serves, one at a time.

    A tenant whose look fails is logged and left for the next run, so one
    tenant's outage does not stop the others being told.
    """

    failed_event = "watch_failed"

    def __init__(self, hub: Hub, source: CatalogSource):
        self.hub = hub
        self.source = source

    def run_once(self) -> int:
        """Returns how many things were told across all tenants."""
        told = 0
        for tenant in self.hub.settings.tenants:
            if not self.source.configured(tenant):
                continue
            try:
                told += self.watch(tenant)
            except GatewayError as error:
                log.warning(
                    self.failed_event,
                    tenant=tenant.id,
                    error=str(error),
                    next_step="next run",
                )
        return told

    def watch(self, tenant: TenantSettings) -> int:
        raise NotImplementedError


class PriceWatcher(Watcher):
    """Tells price changes of the articles a tenant has bought."""

    failed_event = "price_watch_failed"

    def watch(self, tenant: TenantSettings) -> int:
        articles = bought_articles(self.hub, tenant.id)
        if not articles:
            return 0
        current = self.source.prices(tenant, articles)
        names = article_names(self.hub, tenant.id, articles)
        default = Decimal(
            str(self.hub.settings.notifications.default_price_threshold_percent)
        )
        now = self.hub.clock.now()
        changed: list[tuple[str, Decimal, Decimal, Decimal]] = []
        with self.hub.db.session() as session:
            floor = price_floor(session, tenant.id, default)
            known = {
                k.article: k
                for k in session.execute(
                    select(KnownPrice).where(KnownPrice.tenant_id == tenant.id)
                ).scalars()
            }
            for article, price in current.items():
                seen = known.get(article)
                if seen is None:
                    session.add(
                        KnownPrice(
                            tenant_id=tenant.id,
                            article=article,
                            price=price,
                            seen_at=now,
                        )
                    )
                    continue
                if seen.price == price or seen.price <= 0:
                    continue
                percent = change_percent(seen.price, price)
                if abs(percent) < floor:
                    continue  # too small to tell; the old price stays the reference
                changed.append((article, seen.price, price, percent))
                seen.price = price
                seen.seen_at = now
            for article, old, new, percent in changed:
                self.hub.pipeline.record_event(
                    session,
                    tenant.id,
                    PRICE,
                    {
                        "article": article,
                        "name": names.get(article),
                        "region": tenant.komus.region,
                        "old_price": str(old),
                        "new_price": str(new),
                        "percent": str(percent),
                    },
                )
        for article, old, new, percent in changed:
            log.info(
                "price_change_told",
                tenant=tenant.id,
                article=article,
                old_price=str(old),
                new_price=str(new),
                percent=str(percent),
            )
        return len(changed)


class PromotionWatcher(Watcher):
    """Tells promotions in the categories of the articles a tenant has bought."""

    failed_event = "promotion_watch_failed"

    def watch(self, tenant: TenantSettings) -> int:
        articles = bought_articles(self.hub, tenant.id)
        if not articles:
            return 0
        promotions = self.source.promotions(tenant)
        if not promotions:
            return 0
        categories = self.source.categories(tenant, articles)
        relevant = [p for p in promotions if p.category_id in categories]
        told = 0
        with self.hub.db.session() as session:
            seen = set(
                session.execute(
                    select(SeenPromotion.promotion_id).where(
                        SeenPromotion.tenant_id == tenant.id
                    )
                ).scalars()
            )
            for promotion in relevant:
                if promotion.id in seen:
                    continue
                session.add(
                    SeenPromotion(
                        tenant_id=tenant.id,
                        promotion_id=promotion.id,
                        seen_at=self.hub.clock.now(),
                    )
                )
                self.hub.pipeline.record_event(
                    session,
                    tenant.id,
                    "promotion.published",
                    {
                        "promotion_id": promotion.id,
                        "title": promotion.title,
                        "description": promotion.description,
                        "category_id": promotion.category_id,
                        "category_name": promotion.category_name,
                        "discount_percent": str(promotion.discount_percent),
                        "valid_from": promotion.valid_from.isoformat(),
                        "valid_to": promotion.valid_to.isoformat(),
                    },
                )
                told += 1
        if told:
            log.info("promotions_told", tenant=tenant.id, count=told)
        return told
