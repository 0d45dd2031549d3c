"""The amoCRM API client against the sandbox: what it reads, and how it fails."""

from __future__ import annotations

import httpx
import pytest

from connectors.crm.amocrm_api import AmoApi
from connectors.crm.sandbox import AmoAccount
from gateway.clock import ManualClock
from gateway.errors import FinalError, RetryableError
from tests.support.servers import serve

LEAD = 31926520


def _account(**options) -> AmoAccount:
    account = AmoAccount(**options)
    account.add_element(4455, 701, "Бумага А4", "KNC-A4-500", "310.50")
    account.add_element(4455, 702, "Ручка синяя", "", "25")
    account.add_lead(LEAD, "Канцелярия", 142, [(4455, 701, 3), (4455, 702, 1.5)])
    return account


def test_lead_is_read_with_its_catalog_elements_and_quantities():
    account = _account()
    with serve(account.app) as url, httpx.Client() as client:
        api = AmoApi({"api_url": url, "access_token": account.token}, client)

        deal = api.deal(str(LEAD))

    assert deal["stage"] == "142" and deal["number"] == str(LEAD)
    assert deal["lines"] == [
        {
            "item_code": "KNC-A4-500",
            "name": "Бумага А4",
            "quantity": "3",
            "price": "310.50",
        },
        # Without a SKU the element's id is the code crm_items is keyed on.
        {"item_code": "702", "name": "Ручка синяя", "quantity": "1.5", "price": "25"},
    ]
    assert account.calls == [f"lead:{LEAD}", "elements:4455:[701, 702]"]


def test_rate_limited_account_is_a_retry_with_its_wait():
    account = _account(requests_per_second=1, clock=ManualClock())
    with serve(account.app) as url, httpx.Client() as client:
        api = AmoApi({"api_url": url, "access_token": account.token}, client)

        with pytest.raises(RetryableError) as limited:
            api.deal(str(LEAD))

    assert limited.value.status_code == 429
    assert limited.value.retry_after == 1.0


def test_missing_lead_and_missing_settings_are_final():
    account = _account()
    with serve(account.app) as url, httpx.Client() as client:
        api = AmoApi({"api_url": url, "access_token": account.token}, client)

        with pytest.raises(FinalError, match="not found"):
            api.deal("1")
        with pytest.raises(FinalError, match="access_token"):
            AmoApi({"api_url": url}, client)
