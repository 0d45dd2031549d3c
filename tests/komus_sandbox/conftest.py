"""A Komus sandbox on loopback per test: frozen clock, in-memory store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from connectors.komus.sandbox import create_sandbox_app
from connectors.komus.sandbox.catalog import Article, Catalog
from gateway.config import KomusSandboxOptions
from tests.support.servers import serve

DEMO_TOKEN = "demo-komus-token"
ACME_TOKEN = "acme-komus-token"
GLOBEX_TOKEN = "globex-komus-token"
START = "2026-02-02T09:00:00+03:00"


@dataclass
class Sandbox:
    url: str
    app: FastAPI

    @property
    def catalog(self) -> Catalog:
        return self.app.state.sandbox.catalog

    def komus(self, token: str = DEMO_TOKEN, **options: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + "/api2", headers={"token": token}, **options
        )

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/sandbox")

    def advance(self, minutes: float) -> dict:
        with self.admin() as admin:
            return admin.post("/clock/advance", json={"minutes": minutes}).json()

    def stats(self) -> dict:
        with self.admin() as admin:
            return admin.get("/stats").json()

    def stock(self, artnumber: int, region: str = "77") -> Decimal:
        with self.komus() as komus:
            found = komus.post(
                "/stock/", params={"region": region}, json={"artnumbers": [artnumber]}
            ).json()
        return Decimal(str(found["content"][0]["stock"][0]["quantity"]))


def sandbox_options(**changes: Any) -> KomusSandboxOptions:
    values: dict[str, Any] = {
        "database": ":memory:",
        "clock_start": START,
        "clock_speed": 0,
    }
    return KomusSandboxOptions.model_validate(values | changes)


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox with option overrides; all are stopped after the test."""
    running: list[Any] = []

    def start(**changes: Any) -> Sandbox:
        app = create_sandbox_app(sandbox_options(**changes))
        context = serve(app)
        url = context.__enter__()
        running.append((context, app))
        return Sandbox(url, app)

    yield start
    for context, app in reversed(running):
        context.__exit__(None, None, None)
        app.state.sandbox.close()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox()


@pytest.fixture
def komus(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.komus() as client:
        yield client


def in_stock(catalog: Catalog, *, vat: str = "22", region: str = "77") -> list[Article]:
    """Articles of a VAT rate with plenty of stock, cheapest lot first."""
    return [
        article
        for article in catalog.articles.values()
        if article.vat.value == vat
        and region in article.regions
        and catalog.stock[region, article.artnumber] >= 20 * article.min_quantity
    ]


def short(catalog: Catalog, region: str = "77") -> Article:
    """An article with some stock, but less than three minimum lots."""
    return next(
        article
        for article in catalog.articles.values()
        if region in article.regions
        and 0 < catalog.stock[region, article.artnumber] < 3 * article.min_quantity
    )


def missing_with_analogue(catalog: Catalog, region: str = "77") -> Article:
    return next(
        article
        for article in catalog.articles.values()
        if region in article.regions
        and catalog.stock[region, article.artnumber] == 0
        and any(
            catalog.stock.get((region, analogue), 0) >= 10 * article.min_quantity
            for analogue in article.analogues
        )
    )


def missing_without_analogue(catalog: Catalog, region: str = "77") -> Article:
    return next(
        article
        for article in catalog.articles.values()
        if region in article.regions
        and catalog.stock[region, article.artnumber] == 0
        and not article.analogues
    )


def row(article: Article, lots: int = 1, line_ref: str | None = None) -> dict:
    quantity = article.min_quantity * lots
    body: dict[str, Any] = {
        "artnumber": article.artnumber,
        "quantity": int(quantity) if quantity == int(quantity) else float(quantity),
    }
    if line_ref is not None:
        body["lineRef"] = line_ref
    return body


def place(client: httpx.Client, external_id: str, *rows: dict) -> httpx.Response:
    return client.post("/orders", json={"externalId": external_id, "rows": list(rows)})
