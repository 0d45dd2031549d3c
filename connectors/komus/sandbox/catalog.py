"""The sandbox catalogue, generated from a seed so every run sells the same things.

Prices are regional and include VAT; stock is per region, with some articles short
and some at zero, so reservation has something to decide.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from connectors.komus.sandbox.assortment import (
    FURNITURE,
    GROUPS,
    LINES,
    UNITS,
    ProductLine,
)
from connectors.komus.sandbox.barcodes import ean13
from gateway.money import VatRate, parse_vat_rate, round_money

REGIONS = {
    "77": "Москва",
    "78": "Санкт-Петербург",
    "50": "Московская область",
    "66": "Свердловская область",
}
REGION_PRICE_FACTOR = {
    "77": Decimal("1.00"),
    "50": Decimal("1.00"),
    "78": Decimal("1.03"),
    "66": Decimal("1.07"),
}
FURNITURE_REGIONS = ("77", "78", "50")
PRICES_CHANGED = datetime(2026, 1, 12, 6, 0, 0)
MAX_ARTICLES = sum(len(line.brands) * len(line.variants) for line in LINES)


@dataclass(frozen=True)
class Category:
    id: int
    parent_id: int
    name: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    artnumber: int
    name: str
    category_id: int
    brand: str
    vendor_code: str
    okei: str
    pack_quantity: int
    min_quantity: Decimal
    multiplicity: Decimal
    vat: VatRate
    weight: Decimal
    volume: Decimal
    barcode: str
    image: str
    origin: str
    regions: tuple[str, ...]
    price_changed: datetime
    analogues: tuple[int, ...] = ()

    @property
    def unit(self) -> str:
        return UNITS[self.okei]

    def quantity_problem(self, quantity: Decimal) -> str | None:
        if quantity < self.min_quantity:
            return (
                f"artnumber {self.artnumber}: quantity {quantity} is below the "
                f"minimum lot {self.min_quantity} {self.unit}"
            )
        if quantity % self.multiplicity:
            return (
                f"artnumber {self.artnumber}: quantity {quantity} is not a multiple "
                f"of {self.multiplicity} {self.unit}"
            )
        return None

    def round_down(self, quantity: Decimal) -> Decimal:
        """The largest orderable quantity not above ``quantity``."""
        steps = (quantity / self.multiplicity).to_integral_value(rounding=ROUND_FLOOR)
        rounded = steps * self.multiplicity
        return rounded if rounded >= self.min_quantity else Decimal(0)


@dataclass
class Catalog:
    articles: dict[int, Article]
    categories: tuple[Category, ...]
    prices: dict[tuple[str, int], Decimal]
    stock: dict[tuple[str, int], Decimal]
    lines: dict[int, ProductLine] = field(repr=False, default_factory=dict)

    def article(self, artnumber: int, region: str | None = None) -> Article | None:
        article = self.articles.get(artnumber)
        if article is None or (region is not None and region not in article.regions):
            return None
        return article

    def price(self, artnumber: int, region: str) -> Decimal | None:
        return self.prices.get((region, artnumber))

    def categories_in(self, region: str) -> list[Category]:
        return [c for c in self.categories if region in c.regions]

    def where(self, condition: Callable[[Article], bool]) -> Iterator[Article]:
        return (a for a in self.articles.values() if condition(a))


def generate_catalog(seed: int, count: int = 600) -> Catalog:
    if not 1 <= count <= MAX_ARTICLES:
        raise ValueError(f"the sandbox can generate 1 to {MAX_ARTICLES} articles")
    rng = random.Random(seed)
    categories, category_of = _categories()

    combos = [
        (line, brand, variant)
        for line in LINES
        for brand in line.brands
        for variant in line.variants
    ]
    chosen = sorted(rng.sample(range(len(combos)), count))
    artnumbers = rng.sample(range(100_000, 2_000_000), count)

    articles: list[Article] = []
    lines: dict[int, ProductLine] = {}
    for index, artnumber in zip(chosen, artnumbers, strict=True):
        line, brand, variant = combos[index]
        articles.append(
            _article(rng, artnumber, line, brand, variant, category_of[line.category])
        )
        lines[artnumber] = line
    articles = _with_analogues(rng, articles, lines)

    prices: dict[tuple[str, int], Decimal] = {}
    stock: dict[tuple[str, int], Decimal] = {}
    for article in articles:
        base = _base_price(rng, lines[article.artnumber])
        for region in article.regions:
            jitter = Decimal(rng.randint(-200, 200)) / 10_000
            factor = REGION_PRICE_FACTOR[region] + jitter
            prices[region, article.artnumber] = round_money(base * factor)
            stock[region, article.artnumber] = _stock(rng, article, base)

    return Catalog(
        articles={a.artnumber: a for a in sorted(articles, key=lambda a: a.artnumber)},
        categories=tuple(categories),
        prices=prices,
        stock=stock,
        lines=lines,
    )


def _categories() -> tuple[list[Category], dict[str, int]]:
    categories: list[Category] = []
    category_of: dict[str, int] = {}
    for number, group in enumerate(GROUPS, start=1):
        regions = FURNITURE_REGIONS if group == FURNITURE else tuple(REGIONS)
        group_id = 1000 * number
        categories.append(Category(group_id, 0, group, regions))
        children = [line.category for line in LINES if line.group == group]
        for offset, name in enumerate(dict.fromkeys(children), start=1):
            category_of[name] = group_id + offset
            categories.append(Category(group_id + offset, group_id, name, regions))
    return categories, category_of


def _article(
    rng: random.Random,
    artnumber: int,
    line: ProductLine,
    brand: str,
    variant: str,
    category_id: int,
) -> Article:
    prefix = "".join(ch for ch in brand.upper() if ch.isascii() and ch.isalpha())[:3]
    return Article(
        artnumber=artnumber,
        name=line.template.format(brand=brand, variant=variant),
        category_id=category_id,
        brand=brand.split(" ")[0],
        vendor_code=f"{prefix or 'KM'}-{rng.randint(10_000, 999_999)}",
        okei=line.okei,
        pack_quantity=line.pack,
        min_quantity=Decimal(line.min_quantity),
        multiplicity=Decimal(line.multiplicity),
        vat=parse_vat_rate(line.vat),
        weight=Decimal(line.weight),
        volume=Decimal(line.volume),
        barcode=ean13("46" + f"{rng.randint(0, 10**10 - 1):010d}"),
        image=f"/upload/iblock/{rng.randint(0, 4095):03x}/{artnumber}.jpg",
        origin=line.origin,
        regions=FURNITURE_REGIONS if line.group == FURNITURE else tuple(REGIONS),
        price_changed=PRICES_CHANGED + timedelta(minutes=rng.randint(0, 20_000)),
    )


def _with_analogues(
    rng: random.Random, articles: list[Article], lines: dict[int, ProductLine]
) -> list[Article]:
    """Analogues come from the same product line: same unit, lot and multiplicity."""
    by_line: dict[str, list[int]] = {}
    for article in articles:
        by_line.setdefault(lines[article.artnumber].category, []).append(
            article.artnumber
        )
    result = []
    for article in articles:
        siblings = [
            a
            for a in by_line[lines[article.artnumber].category]
            if a != article.artnumber
        ]
        analogues: tuple[int, ...] = ()
        if siblings and rng.random() < 0.7:
            analogues = tuple(
                rng.sample(siblings, min(len(siblings), rng.randint(1, 2)))
            )
        result.append(replace(article, analogues=analogues))
    return result


def _base_price(rng: random.Random, line: ProductLine) -> Decimal:
    low, high = line.price
    kopecks = rng.randint(low * 100, high * 100)
    if high >= 1000:
        return Decimal(kopecks // 100)
    return Decimal(kopecks) / 100


def _stock(rng: random.Random, article: Article, price: Decimal) -> Decimal:
    roll = rng.random()
    if roll < 0.08:
        return Decimal(0)
    if roll < 0.20:
        lots = rng.randint(1, 3)
        return article.round_down(article.min_quantity * lots) or article.min_quantity
    ceiling = 60 if price > 10_000 else 3000
    return article.round_down(Decimal(rng.randint(40, ceiling))) or article.min_quantity
