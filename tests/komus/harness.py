"""The gateway and the Komus sandbox side by side on loopback, and their controls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from connectors.komus.client import RetryPolicy
from connectors.komus.sandbox import create_sandbox_app
from connectors.komus.sandbox.catalog import Article, Catalog
from gateway.config import Settings
from gateway.hub import Hub
from gateway.plain import record_from_json
from gateway.store.tables import Order, Requisition
from tests.support.servers import serve

ACME_TOKEN = "acme-komus-token"
GLOBEX_TOKEN = "globex-komus-token"
ACME_REGION = "77"
QUICK_RETRIES = RetryPolicy(attempts=4, initial_backoff=0.05, max_backoff=0.3)
"""Retries short enough that a test of a failing Komus ends in well under a second."""


def write_komus_config(
    directory: Path,
    database_url: str,
    sandbox_port: int,
    *,
    komus: dict[str, Any] | None = None,
    sandbox: dict[str, Any] | None = None,
    scheduler: dict[str, Any] | None = None,
) -> Path:
    """A config.yaml whose tenants have Komus tokens the sandbox knows.

    ``komus`` and ``sandbox`` override keys of ``komus`` and of its
    ``sandbox_options``; ``scheduler`` replaces the ``scheduler`` section, which
    is switched off unless given (a test drives the hub itself).
    """
    komus_keys = {
        "base_url": "sandbox",
        "sandbox_port": sandbox_port,
        "timeout_seconds": 2,
        "requests_per_minute": 150,
        "price_tolerance_percent": 2,
    } | (komus or {})
    sandbox_keys = {
        "database": str(directory / "komus-sandbox.db"),
        "time_scale": 0.05,
    } | (sandbox or {})
    scheduler_keys = scheduler or {"enabled": False}
    path = directory / "config.yaml"
    path.write_text(
        f"""
server:
  admin_token: test-admin-token
database:
  url: "{database_url}"
scheduler:
{_keys(scheduler_keys, 2)}
logging:
  level: INFO
  format: json
komus:
{_keys(komus_keys, 2)}
  sandbox_options:
{_keys(sandbox_keys, 4)}
tenants:
  - id: acme
    legal_name: ООО "Акме"
    inn: "7707083893"
    kpp: "773601001"
    komus:
      token: {ACME_TOKEN}
      region: "{ACME_REGION}"
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        komus_address_id: "2001"
        default: true
  - id: globex
    legal_name: АО "Глобекс"
    inn: "7736207543"
    kpp: "773601001"
    komus:
      token: {GLOBEX_TOKEN}
      region: "78"
    delivery_addresses:
      - code: HQ
        address: Санкт-Петербург, Невский пр., 10
        default: true
""",
        encoding="utf-8",
    )
    return path


def _keys(values: dict[str, Any], indent: int) -> str:
    return "\n".join(
        f"{' ' * indent}{key}: {json.dumps(value)}" for key, value in values.items()
    )


@dataclass
class Sandbox:
    """The sandbox's controls under ``/sandbox``, and its catalogue for choosing."""

    url: str
    catalog: Catalog

    @property
    def api_url(self) -> str:
        return f"{self.url}/api2"

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def advance(self, minutes: float) -> dict[str, Any]:
        return self._call("POST", "/clock/advance", {"minutes": minutes})

    def faults(self, **plan: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", plan)

    def set_stock(self, artnumber: int, quantity: Decimal | int, region: str) -> None:
        self._call(
            "POST",
            "/stock",
            {"region": region, "artnumber": artnumber, "quantity": str(quantity)},
        )

    def article(self, region: str = ACME_REGION, **wanted: Any) -> Article:
        """An article sold in ``region`` whose fields have the values asked for."""
        for article in self.catalog.articles.values():
            if region not in article.regions:
                continue
            if all(getattr(article, key) == value for key, value in wanted.items()):
                return article
        raise LookupError(f"the sandbox catalogue has no article with {wanted}")

    def articles(self, count: int, region: str = ACME_REGION) -> list[Article]:
        """Plain articles: sold by the piece, one at a time, in stock."""
        found = [
            a
            for a in self.catalog.articles.values()
            if region in a.regions
            and a.okei == "796"
            and a.min_quantity == 1
            and a.multiplicity == 1
            and self.catalog.stock.get((region, a.artnumber), Decimal(0)) >= 100
        ]
        if len(found) < count:
            raise LookupError(f"only {len(found)} plain articles in region {region}")
        return found[:count]

    def price(self, artnumber: int, region: str = ACME_REGION) -> Decimal:
        """The acme tenant's contract price (7 % off the regional price)."""
        regional = self.catalog.prices[(region, artnumber)]
        return (regional * Decimal("0.93")).quantize(Decimal("0.01"))

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        answer = httpx.request(
            method, f"{self.url}/sandbox{path}", json=body, timeout=30
        )
        answer.raise_for_status()
        return answer.json()


@contextmanager
def running_sandbox(settings: Settings) -> Iterator[Sandbox]:
    """The Komus sandbox ``settings`` describe, on its port until the block ends."""
    app = create_sandbox_app(settings)
    try:
        with serve(app, port=settings.komus.sandbox_port) as url:
            yield Sandbox(url, app.state.sandbox.catalog)
    finally:
        app.state.sandbox.close()


def line(article: Article | int, quantity: Any = 1, **more: Any) -> dict[str, Any]:
    artnumber = article if isinstance(article, int) else article.artnumber
    unit = "796" if isinstance(article, int) else article.okei
    fields = {"article": str(artnumber), "quantity": str(quantity), "unit_code": unit}
    return fields | {key: str(value) for key, value in more.items()}


def receive(
    hub: Hub,
    external_id: str,
    lines: list[dict[str, Any]],
    tenant: str = "acme",
    **fields: Any,
) -> int:
    """A requisition through the REST channel's path; returns its id."""
    body = {
        "external_id": external_id,
        "revision": "1",
        "number": external_id,
        "document_date": "2026-02-10",
        "lines": lines,
    } | fields
    raw = json.dumps(body, ensure_ascii=False).encode()
    intake = hub.pipeline.receive(record_from_json(tenant, "api", body, raw))
    assert intake.requisition_id is not None, intake.problems
    return intake.requisition_id


def requisition(hub: Hub, requisition_id: int) -> Requisition:
    with hub.db.session() as session:
        found = session.get(Requisition, requisition_id)
        assert found is not None
        return found


def order_of(hub: Hub, requisition_id: int) -> Order | None:
    with hub.db.session() as session:
        return session.execute(
            select(Order).where(Order.requisition_id == requisition_id)
        ).scalar_one_or_none()


def count(hub: Hub, model: Any) -> int:
    with hub.db.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()
