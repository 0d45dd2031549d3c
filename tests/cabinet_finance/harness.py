"""A gateway on a manual clock beside a Komus sandbox whose clock stands still.

Both clocks start at the same moment and move together, so "today" means the same
day to Komus and to the gateway, and due dates come out as a client would count them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from connectors.komus.connector import KomusConnector
from gateway.clock import ManualClock
from gateway.hub import Hub, hash_token
from gateway.store.tables import ApiToken, Document, Event, Order
from tests.komus.harness import ACME_TOKEN, Sandbox, line, order_of, receive

START = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)
"""09:00 in Moscow: the sandbox starts at the same moment."""
SANDBOX_START = "2026-02-10T09:00:00+03:00"
RESERVE, INVOICE, PAY = 5, 10, 60
DAY = 24 * 60


@dataclass
class World:
    hub: Hub
    connector: KomusConnector
    sandbox: Sandbox
    clock: ManualClock

    def order(self, external_id: str, lines: list[dict[str, Any]], tenant="acme"):
        requisition_id = receive(self.hub, external_id, lines, tenant=tenant)
        assert self.hub.pipeline.submit_ready() >= 1
        order = order_of(self.hub, requisition_id)
        assert order is not None and order.komus_order_id is not None
        return order

    def advance(self, minutes: float) -> None:
        """Both clocks move on; then the gateway polls as its jobs would."""
        self.sandbox.advance(minutes)
        self.clock.advance(minutes * 60)
        self.poll()

    def poll(self) -> None:
        assert self.connector.tracker is not None
        assert self.connector.payments is not None
        self.connector.tracker.run_once()
        self.connector.payments.run_once()

    def plan(self, parts: list[dict[str, Any]] | None, token: str = ACME_TOKEN):
        url = f"{self.sandbox.url}/sandbox/payments/plan/{token}"
        if parts is None:
            answer = httpx.delete(url, timeout=10)
        else:
            answer = httpx.put(url, json={"parts": parts}, timeout=10)
        answer.raise_for_status()

    def terms(self, kind: str, days: int = 0, token: str = ACME_TOKEN) -> None:
        answer = httpx.put(
            f"{self.sandbox.url}/sandbox/payments/terms/{token}",
            json={"kind": kind, "days": days},
            timeout=10,
        )
        answer.raise_for_status()

    def events(self, kind: str) -> list[Event]:
        with self.hub.db.session() as session:
            return list(
                session.execute(
                    select(Event).where(Event.type == kind).order_by(Event.id)
                ).scalars()
            )

    def documents(self, kind: str, tenant: str = "acme") -> list[Document]:
        with self.hub.db.session() as session:
            return list(
                session.execute(
                    select(Document)
                    .where(Document.kind == kind, Document.tenant_id == tenant)
                    .order_by(Document.id)
                ).scalars()
            )

    def orders(self, tenant: str = "acme") -> list[Order]:
        with self.hub.db.session() as session:
            return list(
                session.execute(
                    select(Order).where(Order.tenant_id == tenant).order_by(Order.id)
                ).scalars()
            )

    def invoiced_order(self, external_id: str, count: int = 2, tenant="acme"):
        """An order of ``count`` plain articles, reserved and invoiced."""
        region = "77" if tenant == "acme" else "78"
        articles = self.sandbox.articles(count, region=region)
        order = self.order(
            external_id,
            [line(a, n + 1) for n, a in enumerate(articles)],
            tenant=tenant,
        )
        self.advance(RESERVE)
        self.advance(INVOICE)
        return order


def total(documents: list[Document]) -> Decimal:
    return sum((d.total or Decimal(0) for d in documents), Decimal(0))


def api_token(hub: Hub, tenant: str | None, role: str = "viewer") -> str:
    """A fresh API token for ``tenant`` (all tenants when None)."""
    token = "kgw_" + secrets.token_urlsafe(16)
    with hub.db.session() as session:
        session.add(
            ApiToken(
                name=f"test-{role}-{tenant}",
                token_hash=hash_token(token),
                role=role,
                tenant_id=tenant,
            )
        )
    return token


def api(url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
