"""A gateway with the CRM and Komus connectors that turns CRM deals into orders.

The CRM's product codes map to sandbox Komus articles through a ``crm_items`` table
written for the test; the stage table is the shipped one.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from connectors.crm.connector import CrmConnector
from connectors.komus.connector import KomusConnector
from gateway.api.app import create_app
from gateway.config import Settings
from gateway.hub import Hub
from gateway.store.tables import CrmInboxEvent, Order, OrderLine
from tests.crm.conftest import ADMIN, loopback_resolver
from tests.komus.conftest import QUICK_RETRIES
from tests.komus.harness import Sandbox
from tests.support.servers import serve, wait_until

REPO = Path(__file__).resolve().parents[2]


@dataclass
class OrderingGateway:
    hub: Hub
    url: str
    crm: CrmConnector
    komus: Sandbox
    articles: list[Any]

    def hook(self, kind: str, settings: dict[str, Any]) -> str:
        """A new hook of tenant acme; its full URL."""
        answer = httpx.post(
            f"{self.url}/api/v1/crm/hooks",
            headers=ADMIN,
            json={
                "kind": kind,
                "name": kind,
                "tenant_id": "acme",
                "settings": settings,
            },
        )
        assert answer.status_code == 201, answer.text
        return self.url + answer.json()["url_path"]

    def settle(self) -> list[CrmInboxEvent]:
        """Wait until no inbox row waits or works, submit, and give the rows."""
        assert self.crm.inbox is not None
        wait_until(lambda: self.crm.inbox.run_once() == 0 and not self._busy())
        self.hub.pipeline.submit_ready()
        with self.hub.db.session() as session:
            return list(
                session.exec(select(CrmInboxEvent).order_by(CrmInboxEvent.id)).all()
            )

    def _busy(self) -> bool:
        with self.hub.db.session() as session:
            return bool(
                session.exec(
                    select(CrmInboxEvent).where(
                        CrmInboxEvent.state.in_(("pending", "working"))  # type: ignore[attr-defined]
                    )
                ).first()
            )

    def orders(self) -> list[Order]:
        with self.hub.db.session() as session:
            return list(session.exec(select(Order)).all())

    def lines(self, order: Order) -> list[tuple[str, str]]:
        """(article, quantity) of each line, sorted."""
        with self.hub.db.session() as session:
            found = session.exec(
                select(OrderLine).where(OrderLine.order_id == order.id)
            ).all()
        return sorted(
            (line.article, f"{line.quantity_ordered.normalize():f}") for line in found
        )


def write_crm_mappings(settings: Settings, items: list[tuple[str, str, str]]) -> None:
    """The shipped CRM mapping and stage table, and ``crm_items`` of (code, article,
    name) rows, in the settings' mapping folder."""
    folder = Path(settings.mappings.path(settings.source))
    (folder / "shared").mkdir(parents=True)
    (folder / "tables").mkdir()
    shutil.copy(REPO / "mappings/shared/crm.yaml", folder / "shared/crm.yaml")
    shutil.copy(REPO / "mappings/tables/crm_stages.yaml", folder / "tables")
    with (folder / "tables/crm_items.csv").open("w", encoding="utf-8", newline="") as f:
        table = csv.writer(f)  # sandbox names carry commas: "(красная, 0,7 мм)"
        table.writerow(["client_item_code", "article", "name"])
        table.writerows(items)


@contextmanager
def ordering_gateway(
    settings: Settings, komus: Sandbox, item_codes: list[str]
) -> Iterator[OrderingGateway]:
    """``item_codes[i]`` is the CRM's code for the i-th sandbox article."""
    articles = komus.articles(len(item_codes))
    write_crm_mappings(
        settings,
        [
            (code, str(a.artnumber), a.name)
            for code, a in zip(item_codes, articles, strict=True)
        ],
    )
    settings.outbox.allow_private_targets = ["127.0.0.0/8"]
    hub = Hub(settings)
    hub.prepare()
    komus_connector = KomusConnector(policy=QUICK_RETRIES)
    komus_connector.install(hub)
    crm = CrmConnector(resolver=loopback_resolver)
    crm.install(hub)
    try:
        with serve(create_app(hub)) as url:
            yield OrderingGateway(hub, url, crm, komus, articles)
    finally:
        assert crm.sender is not None
        crm.sender.close()
        komus_connector.close()
        hub.stop()
