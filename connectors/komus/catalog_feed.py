"""The Komus catalog for ordering from the console: a ``CatalogSource``.

Everything goes through the tenant's ``KomusClient``, so every request spends the
token's shared budget and is retried like any other Komus call. Offered to the
gateway under the entry point group ``komus_gateway.catalogs``.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import structlog

from connectors.komus.client import KomusClient
from connectors.komus.clients import KomusClients
from connectors.komus.models import KomusModel
from connectors.komus.ratelimit import RateBudget
from connectors.komus.submission import KomusSubmitter
from gateway.cabinet.catalog import CatalogItem, Offer
from gateway.config import TenantSettings
from gateway.hub import Hub

log = structlog.get_logger(__name__)

PROPS_FIELDS = "baseprops,barcodes,analogues"


class Consignee(KomusModel):
    id: int
    region: str | None = None


class KomusCatalogFeed:
    def __init__(self, hub: Hub):
        self.hub = hub
        self._own: KomusClients | None = None
        self._guard = threading.Lock()

    def client(self, tenant: TenantSettings) -> KomusClient:
        """The Komus connector's client when it is installed, else one of ours.

        Ours shares the database-backed request budget, so the token's limit
        holds across every node and every caller.
        """
        submitter = self.hub.pipeline.submitter
        if isinstance(submitter, KomusSubmitter):
            return submitter.clients.for_tenant(tenant)
        with self._guard:
            if self._own is None:
                settings = self.hub.settings.komus
                budget = RateBudget(self.hub.db, limit=settings.requests_per_minute)
                self._own = KomusClients(settings, self.hub.db, budget=budget)
        return self._own.for_tenant(tenant)

    def items(self, tenant: TenantSettings) -> list[CatalogItem]:
        client = self.client(tenant)
        elements = list(client.elements())
        props = {
            p.artnumber: p
            for p in client.props(
                [e.artnumber for e in elements], fields=PROPS_FIELDS
            ).content
        }
        items = []
        for element in elements:
            prop = props.get(element.artnumber)
            if prop is None:
                continue  # not sold in any region of the token
            base = prop.baseprops
            items.append(
                CatalogItem(
                    article=str(element.artnumber),
                    name=element.name,
                    category_id=element.category_id or prop.parent_id,
                    unit_code=(base.okei if base else None) or element.okei or "796",
                    unit=base.unit if base else None,
                    brand=base.brand if base else None,
                    vendor_code=base.vendor_code if base else None,
                    barcodes=tuple(prop.barcodes),
                    min_quantity=_lot(base.min_quantity if base else None)
                    or _lot(element.min_quantity)
                    or Decimal(1),
                    multiplicity=_lot(base.multiplicity if base else None)
                    or _lot(element.multiplicity)
                    or Decimal(1),
                    analogues=tuple(str(a) for a in prop.analogues),
                )
            )
        log.info("komus_catalog_read", tenant=tenant.id, articles=len(items))
        return items

    def categories(self, tenant: TenantSettings) -> dict[int, tuple[int, str]]:
        return {c.id: (c.parent_id, c.name) for c in self.client(tenant).categories()}

    def address_regions(self, tenant: TenantSettings) -> dict[str, str]:
        client = self.client(tenant)
        # The client has no typed call for consignees yet; its paging does the work.
        found = client._pages("/consignees", Consignee, {})  # noqa: SLF001
        return {str(c.id): c.region for c in found if c.region}

    def offers(
        self, tenant: TenantSettings, articles: list[str], region: str | None
    ) -> dict[str, Offer]:
        client = self.client(tenant)
        numbers = [int(a) for a in articles if a.isdigit()]
        if not numbers:
            return {}
        region = region or client.region
        prices = client.prices(numbers, region).content
        sold = [p.artnumber for p in prices]
        stock = (
            {s.artnumber: s for s in client.stock(sold, region).content} if sold else {}
        )
        offers = {}
        for price in prices:
            regional = (
                price.in_region(region)
                if region
                else (price.prices[0] if price.prices else None)
            )
            if regional is None:
                continue
            held = stock.get(price.artnumber)
            offers[str(price.artnumber)] = Offer(
                price=regional.partner_price,
                stock=held.in_region(regional.region) if held else Decimal(0),
                vat_percent=price.nds,
            )
        return offers

    def close(self) -> None:
        if self._own is not None:
            self._own.close()


def _lot(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None
