"""A Bitrix24 deal, delivered again and out of order, becomes one Komus order."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from connectors.crm.connector import CrmConnector
from connectors.crm.sandbox import BitrixPortal
from connectors.komus.connector import KomusConnector
from gateway.api.app import create_app
from gateway.config import Settings
from gateway.hub import Hub
from gateway.store.tables import Order, OrderLine
from tests.crm.conftest import ADMIN, loopback_resolver
from tests.crm.forms import to_form
from tests.komus.conftest import (  # noqa: F401  (fixtures)
    QUICK_RETRIES,
    komus_extra,
    komus_settings,
    sandbox,
    sandbox_extra,
)
from tests.komus.harness import Sandbox
from tests.support.servers import serve, wait_until

REPO = Path(__file__).resolve().parents[2]
TOKEN = "bitrix-app-token"


@pytest.fixture
def crm_gateway(
    komus_settings: Settings,  # noqa: F811
    sandbox: Sandbox,  # noqa: F811
) -> Iterator[tuple[Hub, str, BitrixPortal, Sandbox]]:
    articles = sandbox.articles(2)
    folder = Path(komus_settings.mappings.path(komus_settings.source))
    (folder / "shared").mkdir(parents=True)
    (folder / "tables").mkdir()
    shutil.copy(REPO / "mappings/shared/crm.yaml", folder / "shared/crm.yaml")
    shutil.copy(REPO / "mappings/tables/crm_stages.yaml", folder / "tables")
    with (folder / "tables/crm_items.csv").open("w", encoding="utf-8", newline="") as f:
        table = csv.writer(f)  # sandbox names carry commas: "(красная, 0,7 мм)"
        table.writerow(["client_item_code", "article", "name"])
        table.writerows([449 + i, a.artnumber, a.name] for i, a in enumerate(articles))
    komus_settings.outbox.allow_private_targets = ["127.0.0.0/8"]
    hub = Hub(komus_settings)
    hub.prepare()
    komus = KomusConnector(policy=QUICK_RETRIES)
    komus.install(hub)
    crm = CrmConnector(resolver=loopback_resolver)
    crm.install(hub)
    portal = BitrixPortal()
    with serve(portal.app) as portal_url, serve(create_app(hub)) as url:
        portal.deals["7405"] = {
            "ID": "7405",
            "TITLE": "Канцелярия Q1",
            "STAGE_ID": "WON",
            "CURRENCY_ID": "RUB",
        }
        portal.rows["7405"] = [
            {
                "PRODUCT_ID": 449 + i,
                "PRODUCT_NAME": a.name,
                "QUANTITY": 2,
                "MEASURE_CODE": 796,
                "PRICE": float(sandbox.price(a.artnumber)),
                "PRICE_ACCOUNT": str(sandbox.price(a.artnumber)),
            }
            for i, a in enumerate(articles)
        ]
        answer = httpx.post(
            f"{url}/api/v1/crm/hooks",
            headers=ADMIN,
            json={
                "kind": "bitrix24",
                "name": "portal",
                "tenant_id": "acme",
                "settings": {
                    "application_token": TOKEN,
                    "rest_url": portal.rest_url(portal_url),
                },
            },
        )
        assert answer.status_code == 201, answer.text
        yield hub, url + answer.json()["url_path"], portal, sandbox
    assert crm.sender is not None
    crm.sender.close()
    komus.close()
    hub.stop()


def _event(ts: int) -> bytes:
    return to_form(
        {
            "event": "ONCRMDEALUPDATE",
            "event_handler_id": "975",
            "data": {"FIELDS": {"ID": "7405"}},
            "ts": str(ts),
            "auth": {"domain": "portal.example.com", "application_token": TOKEN},
        }
    )


def test_bitrix_deal_thrice_and_out_of_order_makes_one_komus_order(crm_gateway):
    hub, hook_url, portal, komus = crm_gateway
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    answers = [
        httpx.post(hook_url, content=_event(1766047124), headers=form) for _ in range(3)
    ]
    answers.append(httpx.post(hook_url, content=_event(1766047000), headers=form))
    wait_until(lambda: hub.pipeline.submit_ready() or _orders(hub))

    assert [a.status_code for a in answers] == [200] * 4
    orders = _orders(hub)
    assert len(orders) == 1
    with hub.db.session() as session:
        lines = session.exec(
            select(OrderLine).where(OrderLine.order_id == orders[0].id)
        ).all()
    assert sorted(line.article for line in lines) == sorted(
        str(a.artnumber) for a in komus.articles(2)
    )
    assert portal.calls.count("crm.deal.productrows.get.json:7405") == 1


def _orders(hub: Hub) -> list[Order]:
    with hub.db.session() as session:
        return list(session.exec(select(Order)).all())
