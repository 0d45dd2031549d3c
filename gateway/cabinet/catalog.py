"""Searching the Komus catalog as one tenant sees it.

What an article *is* (name, category, unit, barcodes, minimum lot, analogues)
changes seldom, so a snapshot of it per tenant is kept in memory and taken again
after ``SNAPSHOT_SECONDS``. What it *costs* and how much is *in stock* changes
all the time, so those are asked of Komus for the hits on each search, through
the tenant's rate-limited client. A search therefore costs two Komus requests,
and a new snapshot a handful more.

The Komus side is a ``CatalogSource``; connectors offer one under the entry point
group ``komus_gateway.catalogs`` so that this module never names a connector.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib.metadata import entry_points
from typing import Protocol

import structlog

from gateway.cabinet.errors import OrderingRefused
from gateway.config import TenantSettings
from gateway.errors import RetryableError
from gateway.hub import Hub

log = structlog.get_logger(__name__)

SOURCE_GROUP = "komus_gateway.catalogs"
SNAPSHOT_SECONDS = 900
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY = 200


@dataclass(frozen=True)
class CatalogItem:
    article: str
    name: str
    category_id: int | None = None
    unit_code: str = "796"
    unit: str | None = None
    brand: str | None = None
    vendor_code: str | None = None
    barcodes: tuple[str, ...] = ()
    min_quantity: Decimal = Decimal(1)
    multiplicity: Decimal = Decimal(1)
    analogues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offer:
    """The tenant's contract price (VAT included) and the stock in one region."""

    price: Decimal
    stock: Decimal
    vat_percent: int | None = None


@dataclass
class CatalogSnapshot:
    items: dict[str, CatalogItem]
    categories: dict[int, tuple[int, str]]
    """Category id → (parent id, name)."""
    address_regions: dict[str, str]
    """Komus consignee id → region code."""
    taken_at: datetime
    by_barcode: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in self.items.values():
            for barcode in item.barcodes:
                self.by_barcode.setdefault(barcode, item.article)

    def category_name(self, category_id: int | None) -> str | None:
        found = self.categories.get(category_id or 0)
        return found[1] if found else None

    def within(self, category_id: int) -> set[int]:
        """The category and every category below it."""
        inside = {category_id}
        grew = True
        while grew:
            below = {
                c for c, (parent, _) in self.categories.items() if parent in inside
            }
            grew = not below <= inside
            inside |= below
        return inside


class CatalogSource(Protocol):
    """Komus's catalog for a tenant; every call goes through its rate limit."""

    def items(self, tenant: TenantSettings) -> list[CatalogItem]: ...

    def categories(self, tenant: TenantSettings) -> dict[int, tuple[int, str]]: ...

    def address_regions(self, tenant: TenantSettings) -> dict[str, str]: ...

    def offers(
        self, tenant: TenantSettings, articles: list[str], region: str | None
    ) -> dict[str, Offer]: ...


@dataclass(frozen=True)
class Hit:
    item: CatalogItem
    category: str | None
    offer: Offer | None
    analogues: list[tuple[CatalogItem, Offer | None]]

    @property
    def orderable(self) -> bool:
        return self.offer is not None


@dataclass(frozen=True)
class SearchResult:
    kind: str  # barcode, article, name, category
    query: str
    region: str | None
    total: int
    page: int
    page_size: int
    hits: list[Hit]


def ean13_problem(code: str) -> str | None:
    """Why 13 digits are not an EAN-13 barcode; None when the check digit holds."""
    odd = sum(int(d) for d in code[0:12:2])
    even = sum(int(d) for d in code[1:12:2])
    expected = str((10 - (odd + 3 * even) % 10) % 10)
    if code[12] != expected:
        return (
            f"barcode {code} fails its EAN-13 check digit: the last digit should be "
            f"{expected}; check the number"
        )
    return None


def normalized(text: str) -> str:
    """Case- and ё-insensitive text for matching Russian names."""
    return text.casefold().replace("ё", "е")


def lot_problem(item: CatalogItem, quantity: Decimal) -> str | None:
    """What makes ``quantity`` unorderable for ``item``, phrased for the buyer."""
    if quantity <= 0:
        return f"article {item.article}: quantity must be above zero, got {quantity}"
    if quantity != quantity.to_integral_value() and item.multiplicity == 1:
        return (
            f"article {item.article}: quantity {quantity} is fractional; "
            f"{item.name} is sold in whole {item.unit or 'units'}"
        )
    if quantity < item.min_quantity:
        return (
            f"article {item.article}: quantity {quantity} is below the minimum lot "
            f"{_plain(item.min_quantity)} {item.unit or ''}".rstrip()
        )
    if quantity % item.multiplicity:
        return (
            f"article {item.article}: quantity {quantity} is not a multiple of "
            f"{_plain(item.multiplicity)} {item.unit or ''}".rstrip()
        )
    return None


def address_problem(tenant: TenantSettings, code: str) -> str | None:
    """Why ``code`` names none of the tenant's delivery addresses; None when it does.

    Search and checkout give the same answer, so a buyer never sees prices for an
    address the order would then be refused for.
    """
    addresses = tenant.delivery_addresses
    if any(a.code == code for a in addresses):
        return None
    known = ", ".join(a.code for a in addresses) or "none"
    return f"delivery address {code[:64]!r} is not one of {tenant.id}'s: {known}"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _source() -> CatalogSource | None:
    for entry in entry_points(group=SOURCE_GROUP):
        return entry.load()
    return None


class CatalogService:
    """Per-tenant snapshots and the searches over them."""

    def __init__(self, hub: Hub, source: CatalogSource | None = None):
        self.hub = hub
        self._source = source
        self._snapshots: dict[str, CatalogSnapshot] = {}
        self._guard = threading.Lock()

    @property
    def source(self) -> CatalogSource:
        if self._source is None:
            factory = _source()
            if factory is None:
                raise RetryableError(
                    "no Komus catalog source is installed (entry point group "
                    f"{SOURCE_GROUP}); reinstall the gateway package"
                )
            self._source = factory(self.hub)  # type: ignore[operator]
        return self._source

    # -- snapshots ---------------------------------------------------------------

    def snapshot(self, tenant: TenantSettings) -> CatalogSnapshot:
        now = self.hub.clock.now()
        with self._guard:
            found = self._snapshots.get(tenant.id)
            if found and now - found.taken_at < timedelta(seconds=SNAPSHOT_SECONDS):
                return found
            source = self.source
            items = source.items(tenant)
            snapshot = CatalogSnapshot(
                items={item.article: item for item in items},
                categories=source.categories(tenant),
                address_regions=source.address_regions(tenant),
                taken_at=now,
            )
            self._snapshots[tenant.id] = snapshot
        log.info("catalog_snapshot_taken", tenant=tenant.id, articles=len(items))
        return snapshot

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop snapshots so the next search reads Komus again."""
        with self._guard:
            if tenant_id is None:
                self._snapshots.clear()
            else:
                self._snapshots.pop(tenant_id, None)

    # -- lookups -----------------------------------------------------------------

    def region(self, tenant: TenantSettings, address_code: str | None) -> str | None:
        """The Komus region of a delivery address: its consignee's, else the token's."""
        addresses = tenant.delivery_addresses
        address = next((a for a in addresses if a.code == address_code), None)
        if address is None:
            address = next((a for a in addresses if a.default), None)
        if address is not None and address.komus_address_id:
            regions = self.snapshot(tenant).address_regions
            if address.komus_address_id in regions:
                return regions[address.komus_address_id]
        return tenant.komus.region

    def item(self, tenant: TenantSettings, article: str) -> CatalogItem:
        article = article.strip()
        found = self.snapshot(tenant).items.get(article)
        if found is None:
            raise OrderingRefused(
                [f"article {article[:32]!r} is not in the Komus catalog of {tenant.id}"]
            )
        return found

    def offers(
        self, tenant: TenantSettings, articles: Iterable[str], region: str | None
    ) -> dict[str, Offer]:
        wanted = list(dict.fromkeys(articles))
        if not wanted:
            return {}
        return self.source.offers(tenant, wanted, region)

    # -- search ------------------------------------------------------------------

    def search(
        self,
        tenant: TenantSettings,
        query: str,
        *,
        category_id: int | None = None,
        address_code: str | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> SearchResult:
        query = (query or "").strip()
        if len(query) > MAX_QUERY:
            raise OrderingRefused([f"the search text is longer than {MAX_QUERY}"])
        if not query and category_id is None:
            raise OrderingRefused(
                ["type a name, an article or a barcode, or choose a category"]
            )
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise OrderingRefused(
                [f"page starts at 1 and page_size runs from 1 to {MAX_PAGE_SIZE}"]
            )
        address_code = (address_code or "").strip() or None
        if address_code and (problem := address_problem(tenant, address_code)):
            raise OrderingRefused([problem])
        snapshot = self.snapshot(tenant)
        if category_id is not None and category_id not in snapshot.categories:
            raise OrderingRefused([f"category {category_id} is not in the catalog"])
        kind, matches = self._matches(snapshot, query)
        if category_id is not None:
            inside = snapshot.within(category_id)
            matches = [m for m in matches if m.category_id in inside]
            kind = kind if query else "category"
        matches.sort(key=lambda item: (normalized(item.name), item.article))

        chosen = matches[(page - 1) * page_size : page * page_size]
        related = [a for item in chosen for a in item.analogues if a in snapshot.items]
        region = self.region(tenant, address_code)
        offers = self.offers(tenant, [i.article for i in chosen] + related, region)
        hits = [
            Hit(
                item=item,
                category=snapshot.category_name(item.category_id),
                offer=offers.get(item.article),
                analogues=[
                    (snapshot.items[a], offers.get(a))
                    for a in item.analogues
                    if a in snapshot.items
                ],
            )
            for item in chosen
        ]
        log.info(
            "catalog_searched",
            tenant=tenant.id,
            kind=kind,
            total=len(matches),
            region=region,
        )
        return SearchResult(kind, query, region, len(matches), page, page_size, hits)

    def _matches(
        self, snapshot: CatalogSnapshot, query: str
    ) -> tuple[str, list[CatalogItem]]:
        items = snapshot.items
        if not query:
            return "category", list(items.values())
        if query.isascii() and query.isdigit():
            if len(query) == 13:
                if problem := ean13_problem(query):
                    raise OrderingRefused([problem])
                found = snapshot.by_barcode.get(query)
                return "barcode", [items[found]] if found else []
            if len(query) <= 12:
                found_item = items.get(query.lstrip("0") or "0") or items.get(query)
                return "article", [found_item] if found_item else []
            raise OrderingRefused(
                [f"{query[:20]} is neither an article (1-12 digits) nor an EAN-13 code"]
            )
        words = normalized(query).split()
        return "name", [
            item
            for item in items.values()
            if all(
                word in normalized(f"{item.name} {item.brand or ''} {item.vendor_code}")
                for word in words
            )
        ]
