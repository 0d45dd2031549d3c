"""1C's order exchange over HTTP, as 1C drives it, against the Komus sandbox.

The demo tenant's item table maps the samples' items to sandbox articles: samples
01 and 06 become five Komus orders; both orders of sample 05 hold a pair of
boots mapped to gloves sold twelve pairs at a time, so Komus would not take them.
"""

from __future__ import annotations

import httpx
import pytest

from connectors.onec.reader import iter_documents
from gateway.store.tables import Delivery, Order, Requisition
from tests.onec.conftest import CML31_ORDERS, OFFICIAL_ORDERS, UT11_ORDERS
from tests.onec.harness import (
    OneC,
    basic,
    count,
    demo_price,
    orders,
    requisitions,
)

SAMPLES = (OFFICIAL_ORDERS, UT11_ORDERS, CML31_ORDERS)
ORDERED = {"36", "319", "479", "480", "481"}
HELD = {"142", "235"}
UNTIL_SHIPPED = 5 + 10 + 60 + 30 + 120 + 5
"""Sandbox minutes from a new order to its shipment (reserve … ship)."""


@pytest.fixture
def onec_options() -> dict:
    # A budget this small makes every import call stop after one document.
    return {"import_seconds": 0.001}


def upload_samples(onec: OneC) -> dict[str, list[str]]:
    """One exchange session: every sample in 3 000-byte chunks, imported to the end."""
    onec.checkauth()
    onec.init(version="2.10")
    firsts = {}
    for sample in SAMPLES:
        onec.upload(sample.name, sample.read_bytes(), chunk=3000)
        firsts[sample.name] = [a.first for a in onec.import_file(sample.name)]
    return firsts


def ship_everything(gateway, komus, sandbox) -> None:
    gateway.pipeline.submit_ready()
    sandbox.advance(UNTIL_SHIPPED)
    komus.tracker.run_once()


def test_importing_repeats_while_the_answer_is_progress(onec, gateway):
    firsts = upload_samples(onec)

    for answers in firsts.values():
        assert answers[-1] in ("success", "failure")
        assert answers[:-1] and set(answers[:-1]) == {"progress"}


def test_the_samples_become_exactly_the_expected_komus_orders(onec, gateway, sandbox):
    upload_samples(onec)

    gateway.pipeline.submit_ready()

    assert set(orders(gateway)) == ORDERED
    assert {k for k, r in requisitions(gateway).items() if r.state == "held"} == HELD
    assert sandbox.stats()["ordersCreated"] == len(ORDERED)


def test_an_order_komus_would_not_take_is_held_and_1c_is_told_why(onec, gateway):
    onec.exchange(UT11_ORDERS.name, UT11_ORDERS.read_bytes())
    gateway.pipeline.submit_ready()

    answer = onec.exchange(UT11_ORDERS.name, UT11_ORDERS.read_bytes())

    assert answer.first == "failure"
    assert "order ТДЦУ-000001 (Ид 142): held" in answer.text
    assert "article 1087099 is sold from 12 at a time; 1 asked" in answer.text


def test_sending_the_same_files_again_creates_no_order(onec, gateway, sandbox):
    upload_samples(onec)
    gateway.pipeline.submit_ready()
    before = (count(gateway, Requisition), count(gateway, Order))

    upload_samples(onec)
    gateway.pipeline.submit_ready()

    assert (count(gateway, Requisition), count(gateway, Order)) == before
    assert sandbox.stats()["ordersCreated"] == len(ORDERED)


def test_query_returns_statuses_invoices_and_upd_in_the_tenants_encoding(
    onec, gateway, komus, sandbox
):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)

    answer = onec.query()

    assert answer.content_type == "application/xml; charset=windows-1251"
    assert answer.body.startswith(b"<?xml version='1.0' encoding='windows-1251'?>")
    documents = {d.id: d for d in iter_documents(answer.body)}
    assert set(documents) == ORDERED | HELD
    order = documents["319"]
    assert order.requisites["Статус заказа"] == "Отгружен"
    assert order.requisites["Статуса заказа ИД"] == "S"
    assert order.requisites["Заказ оплачен"] == "true"
    assert order.requisites["Отгружен"] == "true"
    kinds = {s.requisites["Вид документа"] for s in order.subordinates}
    assert {"Счет на оплату", "УПД"} <= kinds
    assert documents["142"].requisites["Статуса заказа ИД"] == "H"


def test_query_lines_carry_1c_item_ids_and_komus_prices(onec, gateway, komus, sandbox):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)

    answer = onec.query()

    order = next(d for d in iter_documents(answer.body) if d.id == "319")
    (line,) = order.lines
    assert line["id"] == (
        "aa8085b0-ee4d-11e3-9438-00155d020201#9b62e395-ef8b-11e3-9438-00155d020201"
    )
    assert line["article"] == "387594"
    assert line["price"] == str(demo_price(sandbox, 387594))


def test_document_links_download_with_the_1c_login(onec, gateway, komus, sandbox):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)
    order = next(d for d in iter_documents(onec.query().body) if d.id == "36")
    invoice = next(
        s
        for s in order.subordinates
        if s.requisites["Вид документа"] == "Счет на оплату"
    )

    response = onec.http.get(
        invoice.requisites["Файл PDF"], headers={"Authorization": basic("demo", "demo")}
    )

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_document_link_is_refused_without_the_1c_login(onec, gateway, komus, sandbox):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)
    order = next(d for d in iter_documents(onec.query().body) if d.id == "36")
    link = order.subordinates[0].requisites["Файл PDF"]

    response = httpx.get(link)

    assert response.status_code == 401


def test_success_stops_what_query_sent_being_sent_again(onec, gateway, komus, sandbox):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)
    assert list(iter_documents(onec.query().body))

    assert onec.success().first == "success"
    onec.checkauth()
    again = onec.query()

    assert list(iter_documents(again.body)) == []
    assert (
        count(
            gateway, Delivery, Delivery.channel == "onec", Delivery.state != "delivered"
        )
        == 0
    )


def test_without_success_the_next_session_gets_them_again(
    onec, gateway, komus, sandbox
):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)
    first = {d.id for d in iter_documents(onec.query().body)}

    onec.checkauth()
    again = {d.id for d in iter_documents(onec.query().body)}

    assert again == first


def test_a_repeated_query_in_one_session_returns_only_what_was_not_yet_sent(
    onec, gateway, komus, sandbox
):
    upload_samples(onec)
    gateway.pipeline.submit_ready()
    first = {d.id for d in iter_documents(onec.query().body)}

    sandbox.advance(UNTIL_SHIPPED)
    komus.tracker.run_once()
    second = onec.query()
    third = onec.query()

    assert first == ORDERED | HELD
    assert {d.id for d in iter_documents(second.body)} == ORDERED
    assert list(iter_documents(third.body)) == []


def test_commerceml_3_1_puts_each_order_and_its_documents_in_a_container(
    onec, gateway, komus, sandbox
):
    upload_samples(onec)
    ship_everything(gateway, komus, sandbox)
    onec.checkauth()
    onec.init(version="3.1")

    answer = onec.query()

    documents = list(iter_documents(answer.body))
    invoices = [d for d in documents if d.operation == "Счет на оплату"]
    order = next(d for d in documents if d.id == "319")
    assert b'xmlns="urn:1C.ru:commerceml_3"' in answer.body
    assert order.container is not None
    assert any(i.container == order.container for i in invoices)
    assert order.subordinates == []


def test_without_an_item_table_a_komus_article_1c_wrote_is_ordered(
    acme_onec, gateway, sandbox
):
    data = (
        UT11_ORDERS.read_bytes()
        .replace(
            "<Наименование>Ботинки".encode(),
            "<Артикул>315384</Артикул><Наименование>Ботинки".encode(),
        )
        .replace("<Ид>715</Ид>".encode(), "<Ид>796</Ид>".encode())
        .replace("<Код>715</Код>".encode(), "<Код>796</Код>".encode())
    )
    acme_onec.exchange("documents.xml", data)

    gateway.pipeline.submit_ready()

    ordered = orders(gateway, tenant="acme")
    assert set(ordered) == {"235"}
    assert requisitions(gateway, tenant="acme")["142"].state == "held"


def test_a_tenant_collects_only_its_own_orders(onec, acme_onec, gateway, sandbox):
    upload_samples(onec)
    gateway.pipeline.submit_ready()
    acme_onec.checkauth()

    answer = acme_onec.query()

    assert answer.body.startswith(b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>")
    assert list(iter_documents(answer.body)) == []
