"""Under injected faults and timeouts every requisition becomes exactly one order."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from gateway.store.tables import Order, Requisition
from tests.komus.harness import line, receive

REQUISITIONS = 200


@pytest.mark.parametrize("komus_extra", [{"timeout_seconds": 0.5}])
def test_200_requisitions_under_30_percent_faults_make_200_orders_none_twice(
    gateway, sandbox
):
    articles = sandbox.articles(20)
    ids = [
        receive(gateway, f"ЗК-{n:04d}", [line(articles[n % 20], 1 + n % 3)])
        for n in range(REQUISITIONS)
    ]
    sandbox.faults(error_rate=0.15, timeout_rate=0.15, timeout_seconds=30)

    deadline = time.monotonic() + 600
    while _waiting(gateway) and time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(gateway.pipeline.submit, ids))

    stats = sandbox.stats()
    assert stats["faultsInjected"]["error"] > 0
    assert stats["faultsInjected"]["timeout"] > 0
    assert stats["ordersCreated"] == REQUISITIONS
    assert stats["externalIdsUsedTwice"] == []
    assert _waiting(gateway) == 0
    with gateway.db.session() as session:
        orders = session.execute(select(func.count()).select_from(Order)).scalar_one()
        komus_ids = session.execute(
            select(func.count(func.distinct(Order.komus_order_id)))
        ).scalar_one()
    assert orders == komus_ids == REQUISITIONS


def _waiting(gateway) -> int:
    with gateway.db.session() as session:
        return session.execute(
            select(func.count()).where(Requisition.state == "received")
        ).scalar_one()
