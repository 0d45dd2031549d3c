"""An amoCRM lead moved to the ordering status becomes one Komus order.

The hook body is the captured "lead status changed" sample with the lead moved to
status 142 (ordering, in crm_stages); the lead's products are fetched from the amoCRM
sandbox with the account's token.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.crm.sandbox import AmoAccount
from gateway.config import Settings
from tests.crm.forms import amocrm_status_body
from tests.crm.ordering import OrderingGateway, ordering_gateway
from tests.komus.conftest import (  # noqa: F401  (fixtures)
    komus_extra,
    komus_settings,
    sandbox,
    sandbox_extra,
)
from tests.komus.harness import Sandbox
from tests.support.servers import serve

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LEAD = 31926520  # the lead of the captured sample
CATALOG = 4455
SKUS = ["KNC-A4-500", "KNC-PEN-BLUE"]
MOVED_AT = 1456820780  # the sample's last_modified


@pytest.fixture
def amo_gateway(
    komus_settings: Settings,  # noqa: F811
    sandbox: Sandbox,  # noqa: F811
) -> Iterator[tuple[OrderingGateway, AmoAccount, str]]:
    account = AmoAccount()
    with (
        ordering_gateway(komus_settings, sandbox, SKUS) as gateway,
        serve(account.app) as api_url,
    ):
        for number, (sku, article) in enumerate(
            zip(SKUS, gateway.articles, strict=True), 1
        ):
            account.add_element(
                CATALOG,
                700 + number,
                article.name,
                sku,
                str(sandbox.price(article.artnumber)),
            )
        account.add_lead(
            LEAD, "Канцелярия на квартал", 142, [(CATALOG, 701, 3), (CATALOG, 702, 5)]
        )
        yield gateway, account, api_url


def test_amocrm_lead_twice_and_out_of_order_makes_one_komus_order(amo_gateway):
    gateway, account, api_url = amo_gateway
    hook = gateway.hook(
        "amocrm",
        {"account_id": "10216991", "api_url": api_url, "access_token": account.token},
    )
    moved = amocrm_status_body(142, 10216994, MOVED_AT)
    earlier = amocrm_status_body(10216994, 10216995, MOVED_AT - 600)

    answers = [httpx.post(hook, content=moved, headers=FORM) for _ in range(2)]
    answers.append(httpx.post(hook, content=earlier, headers=FORM))
    rows = gateway.settle()

    assert [a.status_code for a in answers] == [200] * 3
    assert rows[0].state == "ordered"
    assert rows[1].state in ("stale", "skipped")  # the earlier status orders nothing
    (order,) = gateway.orders()
    assert gateway.lines(order) == sorted(
        [
            (str(gateway.articles[0].artnumber), "3"),
            (str(gateway.articles[1].artnumber), "5"),
        ]
    )
    assert account.calls.count(f"lead:{LEAD}") == 1


def test_amocrm_wrong_token_fails_the_event_with_the_reason(amo_gateway):
    gateway, account, api_url = amo_gateway
    hook = gateway.hook("amocrm", {"api_url": api_url, "access_token": "expired"})

    answer = httpx.post(
        hook, content=amocrm_status_body(142, 1, MOVED_AT), headers=FORM
    )
    (row,) = gateway.settle()

    assert answer.status_code == 200
    assert row.state == "failed"
    assert "HTTP 401" in (row.error or "") and "token" in (row.error or "")
    assert gateway.orders() == []


def test_amocrm_api_url_inside_the_network_is_refused(amo_gateway):
    gateway, account, _ = amo_gateway
    hook = gateway.hook(
        "amocrm",
        {"api_url": "http://internal.example.com", "access_token": account.token},
    )

    httpx.post(hook, content=amocrm_status_body(142, 1, MOVED_AT), headers=FORM)
    (row,) = gateway.settle()

    assert row.state == "failed"
    assert "10.20.0.5" in (row.error or "")
    assert account.calls == []
