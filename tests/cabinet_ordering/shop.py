"""Shopping through the REST API as a tenant's buyers do, and the sandbox to check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from connectors.komus.sandbox.catalog import Article
from tests.api.harness import Api
from tests.komus.harness import ACME_REGION, Sandbox


class Shop:
    def __init__(self, api: Api, sandbox: Sandbox):
        self.api = api
        self.sandbox = sandbox

    def buyer(self, tenant: str = "acme", role: str = "manager") -> httpx.Client:
        return self.api.as_(role, tenant)

    def plain(self, count: int) -> list[Article]:
        return self.sandbox.articles(count)

    def lotted(self) -> Article:
        """An article sold in lots above one (a pack of 10, say), in stock."""
        for article in self.sandbox.catalog.articles.values():
            if (
                ACME_REGION in article.regions
                and article.multiplicity > 1
                and article.min_quantity == article.multiplicity
            ):
                return article
        raise LookupError("the sandbox catalogue has no article sold in lots")

    def price(self, article: Article) -> Decimal:
        return self.sandbox.price(article.artnumber)

    def add(
        self, client: httpx.Client, article: Article | str, quantity: Any
    ) -> httpx.Response:
        number = article if isinstance(article, str) else str(article.artnumber)
        return client.post(
            "/cart/lines", json={"article": number, "quantity": quantity}
        )

    def sandbox_orders(self, token: str) -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{self.sandbox.api_url}/orders", headers={"token": token}, timeout=30
        )
        answer.raise_for_status()
        return list(answer.json()["content"])
