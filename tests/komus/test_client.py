"""The Komus client against the sandbox over loopback HTTP: paging, batches, errors."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connectors.komus.client import KomusClient
from connectors.komus.errors import KomusRateLimited, KomusTokenRefused
from connectors.komus.models import OrderDraft, OrderRowDraft
from connectors.komus.ratelimit import RateBudget
from gateway.config import Settings
from gateway.store.database import Database
from tests.komus.conftest import QUICK_RETRIES
from tests.komus.harness import ACME_REGION, ACME_TOKEN, Sandbox


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The client needs a store only for its budget; SQLite is enough here."""
    return sqlite_url


@pytest.fixture
def budget(komus_settings: Settings) -> Iterator[RateBudget]:
    db = Database(komus_settings.database.url)
    db.migrate()
    yield RateBudget(db, limit=150, window_seconds=3)
    db.dispose()


def _client(
    sandbox: Sandbox,
    budget: RateBudget,
    token: str = ACME_TOKEN,
    timeout: float = 2.0,
) -> KomusClient:
    return KomusClient(
        base_url=sandbox.api_url,
        token=token,
        tenant_id="acme",
        region=ACME_REGION,
        budget=budget,
        timeout=timeout,
        policy=QUICK_RETRIES,
    )


def _requests(sandbox: Sandbox, token: str = ACME_TOKEN) -> int:
    return sandbox.stats()["requests"].get(token, 0)


def test_elements_are_read_page_after_page_to_the_last(sandbox, budget):
    client = _client(sandbox, budget)

    elements = list(client.elements())

    visible = len(sandbox.catalog.articles)
    assert len(elements) == visible
    assert len({element.artnumber for element in elements}) == visible
    assert _requests(sandbox) == -(-visible // 250)


def test_prices_of_600_articles_go_in_batches_of_250_with_the_lost_merged(
    sandbox, budget
):
    client = _client(sandbox, budget)
    known = sorted(sandbox.catalog.articles)[:597]
    unknown = [990000001, 990000002, 990000003]

    prices = client.prices(known + unknown)

    assert _requests(sandbox) == 3
    found = {item.artnumber for item in prices.content}
    assert set(unknown) <= set(prices.lost)
    assert found | set(prices.lost) == set(known + unknown)
    assert not found & set(prices.lost)


def test_429_is_retried_after_the_seconds_retry_after_asks(sandbox, budget):
    sandbox.faults(throttle_rate=1, retry_after_seconds=1, count=1)
    client = _client(sandbox, budget)
    started = time.monotonic()

    regions = client.regions()

    assert time.monotonic() - started >= 1.0
    assert {region.region_id for region in regions} == {"77", "78"}
    assert sandbox.stats()["responses"][ACME_TOKEN] == {"429": 1, "200": 1}


def test_401_is_not_retried_and_says_whose_token_and_what_to_do(sandbox, budget):
    client = _client(sandbox, budget, token="not-a-komus-token")

    with pytest.raises(KomusTokenRefused) as refused:
        client.regions()

    message = str(refused.value)
    assert "tenant 'acme'" in message
    assert "HTTP 401" in message
    assert "tenants[acme].komus.token" in message
    assert "not-a-komus-token" not in message
    assert sandbox.stats()["requests"]["(unknown)"] == 1


def test_refused_token_is_not_sent_again_while_it_is_refused(sandbox, budget):
    client = _client(sandbox, budget, token="not-a-komus-token")
    with pytest.raises(KomusTokenRefused):
        client.regions()

    with pytest.raises(KomusTokenRefused):
        client.regions()

    assert sandbox.stats()["requests"]["(unknown)"] == 1


def test_order_timed_out_once_is_looked_up_and_created_only_once(sandbox, budget):
    article = sandbox.articles(1)[0]
    sandbox.faults(
        timeout_rate=1,
        timeout_seconds=30,
        path_prefix="/orders",
        method="POST",
        count=1,
    )
    client = _client(sandbox, budget, timeout=1.0)
    draft = OrderDraft(
        external_id="acme:api:ЗК-1:1",
        rows=[OrderRowDraft(artnumber=article.artnumber, quantity=2, line_ref="1")],
    )

    order = client.create_order(draft)

    stats = sandbox.stats()
    assert stats["faultsInjected"]["timeout"] == 1
    assert stats["createRequests"] == 1
    assert stats["ordersCreated"] == 1
    assert stats["externalIdsUsedTwice"] == []
    assert order.external_id == "acme:api:ЗК-1:1"
    assert [row.line_ref for row in order.rows] == ["1"]


@pytest.mark.parametrize("sandbox_extra", [{"requests_per_minute": 3}])
def test_going_over_the_limit_blocks_the_token_and_says_until_when(sandbox):
    unbudgeted = KomusClient(
        base_url=sandbox.api_url, token=ACME_TOKEN, tenant_id="acme"
    )
    for _ in range(3):
        unbudgeted.regions()

    with pytest.raises(KomusRateLimited) as limited:
        unbudgeted.regions()
    with pytest.raises(KomusTokenRefused) as blocked:
        unbudgeted.regions()

    assert limited.value.retry_after == 7200 * 0.05
    assert "HTTP 403" in str(blocked.value)
    assert "the token is blocked until" in str(blocked.value)


@pytest.mark.parametrize("sandbox_extra", [{"requests_per_minute": 3}])
def test_a_block_one_node_meets_holds_every_node_without_a_request(
    sandbox, komus_settings
):
    nodes = [Database(komus_settings.database.url) for _ in range(2)]
    nodes[0].migrate()
    first, second = (
        KomusClient(
            base_url=sandbox.api_url,
            token=ACME_TOKEN,
            tenant_id="acme",
            budget=RateBudget(db, limit=100, window_seconds=3),
        )
        for db in nodes
    )
    for _ in range(3):
        first.regions()
    with pytest.raises(KomusRateLimited):
        first.regions()
    sent = _requests(sandbox)

    with pytest.raises(KomusRateLimited) as held:
        second.regions()

    assert held.value.retry_after > 300
    assert _requests(sandbox) == sent
    for db in nodes:
        db.dispose()
