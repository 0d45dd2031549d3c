"""The Komus catalog as one tenant sees it, fetched through its Komus client.

An article belongs to the tenant's catalog when Komus prices it in the tenant's
region (``/prices/`` lists the others as lost): what has no price there cannot be
ordered there. Properties (vendor code, unit, barcodes) and, when asked, stock come
in the same batches of 250, so the catalog arrives a batch at a time and a caller
that writes it out never holds all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import structlog

from connectors.komus.client import BATCH_LIMIT, KomusClient
from connectors.komus.clients import KomusClients
from connectors.komus.models import ArticleStock, Element
from connectors.komus.ratelimit import RateBudget
from connectors.komus.submission import KomusSubmitter
from gateway.config import TenantSettings
from gateway.hub import Hub

log = structlog.get_logger(__name__)

PROPS_FIELDS = "baseprops,barcodes"


@dataclass(frozen=True)
class KomusArticle:
    artnumber: int
    name: str
    category_id: int | None = None
    okei: str | None = None
    unit: str | None = None
    vendor_code: str | None = None
    brand: str | None = None
    barcodes: tuple[str, ...] = ()
    vat_percent: int | None = None
    price: Decimal | None = None
    """The tenant's contract price in its region, VAT included."""
    stock: Decimal | None = None


@contextmanager
def tenant_client(hub: Hub, tenant: TenantSettings) -> Iterator[KomusClient]:
    """The tenant's Komus client: the Komus connector's when it is installed.

    Without the connector (a hub built for one job) a client is made for the call
    and closed after it; its request budget is the same database-backed one, so
    the token's limit still holds across everything that calls Komus.
    """
    submitter = hub.pipeline.submitter
    if isinstance(submitter, KomusSubmitter):
        yield submitter.clients.for_tenant(tenant)
        return
    settings = hub.settings.komus
    budget = RateBudget(hub.db, limit=settings.requests_per_minute)
    clients = KomusClients(settings, hub.db, budget=budget)
    try:
        yield clients.for_tenant(tenant)
    finally:
        clients.close()


def articles(
    client: KomusClient, *, with_stock: bool = False
) -> Iterator[list[KomusArticle]]:
    """The tenant's articles, one batch per page of ``/elements``."""
    batch: list[Element] = []
    for element in client.elements():
        batch.append(element)
        if len(batch) == BATCH_LIMIT:
            yield _completed(client, batch, with_stock)
            batch = []
    if batch:
        yield _completed(client, batch, with_stock)


def _completed(
    client: KomusClient, elements: list[Element], with_stock: bool
) -> list[KomusArticle]:
    region = client.region
    numbers = [e.artnumber for e in elements]
    prices = {p.artnumber: p for p in client.prices(numbers, region).content}
    sold = [e for e in elements if e.artnumber in prices]
    if not sold:
        return []
    sold_numbers = [e.artnumber for e in sold]
    props = {
        p.artnumber: p for p in client.props(sold_numbers, fields=PROPS_FIELDS).content
    }
    stock = (
        {s.artnumber: s for s in client.stock(sold_numbers, region).content}
        if with_stock
        else {}
    )
    found = []
    for element in sold:
        price = prices[element.artnumber]
        regional = (
            price.in_region(region)
            if region
            else (price.prices[0] if price.prices else None)
        )
        prop = props.get(element.artnumber)
        base = prop.baseprops if prop is not None else None
        held = stock.get(element.artnumber)
        found.append(
            KomusArticle(
                artnumber=element.artnumber,
                name=element.name,
                category_id=element.category_id,
                okei=(base.okei if base else None) or element.okei,
                unit=base.unit if base else None,
                vendor_code=base.vendor_code if base else None,
                brand=base.brand if base else None,
                barcodes=tuple(prop.barcodes) if prop is not None else (),
                vat_percent=price.nds,
                price=regional.partner_price if regional is not None else None,
                stock=_stock(held, region) if with_stock else None,
            )
        )
    log.debug(
        "komus_catalog_batch",
        tenant=client.tenant_id,
        region=region,
        elements=len(elements),
        sold=len(found),
    )
    return found


def _stock(held: ArticleStock | None, region: str | None) -> Decimal | None:
    if region is None:
        return None
    return held.in_region(region) if held is not None else Decimal(0)
