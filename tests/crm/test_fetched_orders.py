"""HubSpot, Pipedrive and Salesforce deals: products fetched from each CRM's API.

Each hook body is a captured sample with the deal moved to the stage that orders;
the same body comes twice and an older one after it, and one Komus order results.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import select

from connectors.crm.hubspot import signature_v3
from connectors.crm.sandbox import HubSpotPortal, PipedriveCompany, SalesforceOrg
from gateway.config import Settings
from gateway.store.tables import Requisition
from tests.crm.conftest import CRM_SAMPLES
from tests.crm.ordering import OrderingGateway, ordering_gateway
from tests.komus.conftest import (  # noqa: F401  (fixtures)
    komus_extra,
    komus_settings,
    sandbox,
    sandbox_extra,
)
from tests.komus.harness import Sandbox
from tests.support.servers import serve

CODES = ["SKU-PAPER", "SKU-PEN"]


@pytest.fixture
def crm_orders(
    komus_settings: Settings,  # noqa: F811
    sandbox: Sandbox,  # noqa: F811
) -> Iterator[OrderingGateway]:
    with ordering_gateway(komus_settings, sandbox, CODES) as gateway:
        yield gateway


def _expected(gateway: OrderingGateway, quantities: list[int]) -> list[tuple[str, str]]:
    return sorted(
        (str(a.artnumber), str(q))
        for a, q in zip(gateway.articles, quantities, strict=True)
    )


def _price(gateway: OrderingGateway, index: int) -> str:
    """The contract price Komus holds for the article, so the order is not held."""
    return str(gateway.komus.price(gateway.articles[index].artnumber))


def _one_order(gateway: OrderingGateway, quantities: list[int]) -> None:
    rows = gateway.settle()
    assert rows[0].state == "ordered", rows[0].error
    assert all(r.state in ("stale", "skipped") for r in rows[1:])
    (order,) = gateway.orders()
    assert gateway.lines(order) == _expected(gateway, quantities)


# -- HubSpot ---------------------------------------------------------------------------

HUBSPOT_DEAL = "741141656"  # the deal of the captured sample
HUBSPOT_SECRET = "hubspot-client-secret"


def _hubspot_body(stage: str, occurred_at: int, event_id: int) -> bytes:
    (event,) = json.loads(
        (
            CRM_SAMPLES / "hubspot" / "deal_propertyChange_dealstage_crm_ui.json"
        ).read_text()
    )
    event |= {"propertyValue": stage, "occurredAt": occurred_at, "eventId": event_id}
    return json.dumps([event], separators=(",", ":")).encode()


def _hubspot_post(url: str, body: bytes) -> httpx.Response:
    ts = str(int(time.time() * 1000))
    signed = signature_v3(HUBSPOT_SECRET, "POST", url, body, ts)
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Request-Timestamp": ts,
        "X-HubSpot-Signature-v3": signed,
    }
    return httpx.post(url, content=body, headers=headers)


def test_hubspot_won_deal_makes_one_order_with_its_line_items(crm_orders):
    portal = HubSpotPortal()
    with serve(portal.app) as api_url:
        portal.add_deal(
            HUBSPOT_DEAL,
            "Канцелярия",
            "closedwon",
            [
                {
                    "name": "Бумага",
                    "quantity": 4,
                    "price": _price(crm_orders, 0),
                    "hs_sku": CODES[0],
                },
                {
                    "name": "Ручка",
                    "quantity": 10,
                    "price": _price(crm_orders, 1),
                    "hs_sku": CODES[1],
                },
            ],
        )
        hook = crm_orders.hook(
            "hubspot",
            {
                "client_secret": HUBSPOT_SECRET,
                "access_token": portal.token,
                "api_url": api_url,
            },
        )
        won = _hubspot_body("closedwon", 1557224426153, 4168025182)
        earlier = _hubspot_body("appointmentscheduled", 1557224000000, 4168025100)

        answers = [_hubspot_post(hook, won) for _ in range(2)]
        answers.append(_hubspot_post(hook, earlier))
        _one_order(crm_orders, [4, 10])

    assert [a.status_code for a in answers] == [200] * 3
    assert portal.calls.count(f"deal:{HUBSPOT_DEAL}") == 1


def test_hubspot_wrong_token_fails_the_event(crm_orders):
    portal = HubSpotPortal()
    with serve(portal.app) as api_url:
        portal.add_deal(HUBSPOT_DEAL, "Канцелярия", "closedwon", [])
        hook = crm_orders.hook(
            "hubspot",
            {
                "client_secret": HUBSPOT_SECRET,
                "access_token": "old",
                "api_url": api_url,
            },
        )

        _hubspot_post(hook, _hubspot_body("closedwon", 1557224426153, 1))
        (row,) = crm_orders.settle()

    assert row.state == "failed" and "HTTP 401" in (row.error or "")
    assert crm_orders.orders() == []


# -- Pipedrive -------------------------------------------------------------------------

PIPEDRIVE_DEAL = 9  # the deal of the captured v1 sample


def _pipedrive_body(status: str, micro: int) -> bytes:
    body = json.loads(
        (CRM_SAMPLES / "pipedrive" / "webhook_v1_updated_deal.json").read_text()
    )
    body["current"]["status"] = status
    body["meta"]["timestamp_micro"] = micro
    body["meta"]["timestamp"] = micro // 1_000_000
    return json.dumps(body).encode()


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


def test_pipedrive_won_deal_makes_one_order_with_its_products_over_pages(crm_orders):
    company = PipedriveCompany(page=1)  # one product per page: paging is followed
    with serve(company.app) as api_url:
        company.add_deal(
            PIPEDRIVE_DEAL,
            "Updated Deal Title",
            "won",
            [
                {
                    "product_id": CODES[0],
                    "name": "Бумага",
                    "quantity": 2,
                    "item_price": float(_price(crm_orders, 0)),
                },
                {
                    "product_id": CODES[1],
                    "name": "Ручка",
                    "quantity": 6,
                    "item_price": float(_price(crm_orders, 1)),
                },
            ],
        )
        hook = crm_orders.hook(
            "pipedrive",
            {
                "username": "pd",
                "password": "s3cret",
                "api_url": api_url,
                "api_token": company.api_token,
            },
        )
        won = _pipedrive_body("won", 1739827361322662)
        earlier = _pipedrive_body("open", 1739827000000000)

        answers = [
            httpx.post(hook, content=body, headers=_basic("pd", "s3cret"))
            for body in (won, won, earlier)
        ]
        _one_order(crm_orders, [2, 6])

    assert [a.status_code for a in answers] == [200] * 3
    assert company.calls == [
        f"deal:{PIPEDRIVE_DEAL}",
        f"products:{PIPEDRIVE_DEAL}:0",
        f"products:{PIPEDRIVE_DEAL}:1",
    ]


# -- Salesforce ------------------------------------------------------------------------

ORGANIZATION = "00D7F00000107XsUAI"
OPPORTUNITY = "0067F000003pmdWQAQ"


def _salesforce_body(stage: str, notification_id: str) -> bytes:
    sample = (
        CRM_SAMPLES / "salesforce" / "outbound_message_opportunity.xml"
    ).read_text()
    return (
        sample.replace("Perception Analysis", stage)
        .replace("04l7F000008aeAyQAI", notification_id)
        .encode()
    )


def test_salesforce_closed_won_opportunity_gets_its_line_items(crm_orders):
    org = SalesforceOrg(page=1)  # one record per page: nextRecordsUrl is followed
    with serve(org.app) as instance_url:
        org.add_line_items(
            OPPORTUNITY,
            [
                {
                    "ProductCode": CODES[0],
                    "Name": "Бумага",
                    "Quantity": 3.0,
                    "UnitPrice": float(_price(crm_orders, 0)),
                },
                {
                    "ProductCode": CODES[1],
                    "Name": "Ручка",
                    "Quantity": 7.0,
                    "UnitPrice": float(_price(crm_orders, 1)),
                },
            ],
        )
        hook = crm_orders.hook(
            "salesforce",
            {
                "organization_id": ORGANIZATION,
                "instance_url": instance_url,
                "access_token": org.token,
            },
        )
        won = _salesforce_body("Closed Won", "04l7F000008aeAyQAI")
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}

        answers = [httpx.post(hook, content=won, headers=headers) for _ in range(2)]
        rows = crm_orders.settle()

    assert all(b"<Ack>true</Ack>" in a.content for a in answers)
    assert [r.state for r in rows] == ["ordered"]
    (order,) = crm_orders.orders()
    assert crm_orders.lines(order) == _expected(crm_orders, [3, 7])
    assert org.calls[0] == f"query:{OPPORTUNITY}" and len(org.calls) == 2


def test_salesforce_without_api_access_uses_what_the_message_carries(crm_orders):
    hook = crm_orders.hook("salesforce", {"organization_id": ORGANIZATION})
    headers = {"Content-Type": "text/xml; charset=utf-8"}

    httpx.post(
        hook,
        content=_salesforce_body("Closed Won", "04l7F00000000001"),
        headers=headers,
    )
    (row,) = crm_orders.settle()

    # The message names no products: the requisition is held with a reason.
    with crm_orders.hub.db.session() as session:
        (requisition,) = session.exec(select(Requisition)).all()
    assert row.state == "ordered"
    assert requisition.external_id == f"salesforce/{OPPORTUNITY}"
    assert requisition.state == "held" and requisition.hold_reason
    assert crm_orders.orders() == []
