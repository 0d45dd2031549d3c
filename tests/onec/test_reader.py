"""Every real 1C file reads: orders, catalogue, offers, counterparties, in every
encoding and CommerceML version the samples hold."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.onec.reader import iter_documents, iter_orders, read_orders
from connectors.onec.survey import survey
from gateway.store.tables import RequisitionLine
from tests.onec.conftest import (
    CML31_ORDERS,
    OFFICIAL_ORDERS,
    ONEC_SAMPLES,
    UT11_ORDERS,
)
from tests.onec.harness import requisitions

KINDS = {
    "01_official1c_orders_cml203_utf8.xml": (["documents"], 3),
    "02_official1c_to_cml203_win1251.xml": (["documents"], 1),
    "03_bitrix_sale_query_response_cml205_win1251.xml": (["documents"], 2),
    "04_bitrix_sale_query_response_empty_cml205_win1251.xml": ([], 0),
    "05_ut11_documents_to_site_cml209_ns_utf8.xml": (["documents"], 2),
    "06_ut11_bitrixmodule65_documents_cml31_container_utf8bom.xml": (["documents"], 4),
    "07_official1c_import_cml204_utf8.xml": (["classifier", "catalog"], 0),
    "08_official1c_offers_cml204_utf8.xml": (["offers"], 0),
    "09_ut11_offers_cml207_ns_utf8bom.xml": (["classifier", "offers"], 0),
    "10_ut11_contragents_cml209_ns_utf8.xml": (["counterparties"], 0),
}


def test_the_samples_are_all_here():
    assert sorted(p.name for p in ONEC_SAMPLES.glob("*.xml")) == sorted(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_sample_reads_and_its_kind_is_recognised(name: str):
    data = (ONEC_SAMPLES / name).read_bytes()

    found = survey(data)
    documents = list(iter_documents(data))
    orders = read_orders(data, tenant_id="demo")

    kinds, order_count = KINDS[name]
    assert found.kinds == kinds
    assert len(documents) == len(orders) == order_count == found.orders


def test_the_catalogue_and_offers_are_counted_item_by_item():
    catalog = survey(
        (ONEC_SAMPLES / "07_official1c_import_cml204_utf8.xml").read_bytes()
    )
    offers = survey(
        (ONEC_SAMPLES / "09_ut11_offers_cml207_ns_utf8bom.xml").read_bytes()
    )

    assert catalog.counts["goods"] == 4
    assert offers.counts["offers_items"] == 44


def test_both_line_shapes_give_unit_price_and_quantity():
    base_unit = read_orders(OFFICIAL_ORDERS.read_bytes())[0].lines[1]
    unit_and_factor = read_orders(UT11_ORDERS.read_bytes())[0].lines[0]

    assert (base_unit["unit"]["code"], base_unit["price"]) == ("796", "6394.47")
    assert (unit_and_factor["unit"]["code"], unit_and_factor["price"]) == (
        "796",
        "3338",
    )
    assert unit_and_factor["factor"] == "1"


def test_an_empty_1c_date_is_no_date():
    data = CML31_ORDERS.read_bytes().replace(
        "<Дата1С>2017-08-01</Дата1С>".encode(), "<Дата1С>T</Дата1С>".encode(), 1
    )

    order = read_orders(data)[0]

    assert (order.fields["date_1c"], order.fields["date"]) == (None, "2017-08-01")


def test_a_line_whose_article_is_a_komus_number_offers_it():
    data = UT11_ORDERS.read_bytes().replace(
        "<Наименование>Вентилятор".encode(),
        "<Артикул>315384 </Артикул><Наименование>Вентилятор".encode(),
        1,
    )

    line = read_orders(data)[0].lines[0]

    assert line["komus_article"] == "315384"


class Trickle(io.BytesIO):
    """A socket-like stream: at most 1 KiB per read, whatever was asked."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(1024)


def test_documents_stream_before_the_file_is_read_to_its_end():
    data = CML31_ORDERS.read_bytes()
    stream = Trickle(data)

    first = next(iter_orders(stream))

    assert first.external_id == "319"
    assert stream.tell() < len(data) / 2


def test_amounts_with_spaces_and_a_decimal_comma_are_read_exactly(onec, gateway):
    data = UT11_ORDERS.read_bytes().replace(
        "<Цена>3338</Цена>".encode(), "<Цена>3\u00a0338,00</Цена>".encode(), 1
    )
    onec.checkauth()
    onec.init()
    onec.upload("documents.xml", data)

    onec.import_file("documents.xml")

    requisition = requisitions(gateway)["142"]
    with gateway.db.session() as session:
        price = session.execute(
            select(RequisitionLine.expected_price).where(
                RequisitionLine.requisition_id == requisition.id,
                RequisitionLine.line_no == 1,
            )
        ).scalar_one()
    assert price == Decimal("3338.00")


@pytest.mark.parametrize(
    "sample", [OFFICIAL_ORDERS, UT11_ORDERS, CML31_ORDERS], ids=lambda p: Path(p).stem
)
def test_a_stored_order_reads_back_the_same(sample: Path):
    order = read_orders(sample.read_bytes())[0]

    again = read_orders(order.payload)[0]

    assert (again.external_id, again.lines) == (order.external_id, order.lines)
