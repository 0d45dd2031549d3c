"""The nomenclature reader: real 1C catalog, offers and counterparty files, safely."""

from __future__ import annotations

import io

import pytest

from connectors.onec.catalog_reader import CatalogFile, iter_items, read_catalog
from connectors.onec.reader import CommerceMLError, Limits

from .builders import BILLION_LAUGHS, EXTERNAL_ENTITY
from .conftest import (
    OFFICIAL_IMPORT,
    OFFICIAL_OFFERS,
    UT11_COUNTERPARTIES,
    UT11_OFFERS,
    UT11_ORDERS,
)


def test_official_import_gives_goods_with_units_groups_and_vat():
    catalog = read_catalog(OFFICIAL_IMPORT.read_bytes(), filename="import.xml")

    assert catalog.kind == "catalog"
    assert catalog.schema_version == "2.04"
    assert catalog.catalog_id == "bd72d8f9-55bc-11d9-848a-00112f43529a"
    assert catalog.classifier_id == "bd72d8f9-55bc-11d9-848a-00112f43529a"
    assert catalog.only_changes is False
    assert [g.name for g in catalog.groups.values()] == ["Мебель"]
    assert [i.name for i in catalog.items] == [
        "Стол обеденный",
        "Стол обеденный",
        "Стулья",
        "Стулья",
    ]
    table = catalog.items[0]
    assert table.id == (
        "05e26d70-01e4-11dc-a411-00055d80a2d1#05e26d76-01e4-11dc-a411-00055d80a2d1"
    )
    assert (table.unit.code, table.unit.name, table.unit.international) == (
        "796",
        "шт",
        "PCE",
    )
    assert table.groups == ("05e26d6f-01e4-11dc-a411-00055d80a2d1",)
    assert table.vat_rate == "18"
    assert table.full_name == "Стол обеденный"
    assert table.kind == "Товар"


def test_official_offers_give_prices_per_price_type_and_quantity():
    offers = read_catalog(OFFICIAL_OFFERS.read_bytes(), filename="offers.xml")

    assert offers.kind == "offers"
    assert offers.package_id == "bd72d8f9-55bc-11d9-848a-00112f43529a#"
    assert len(offers.price_types) == 4
    assert offers.price_types["cbcf493b-55bc-11d9-848a-00112f43529a"] == "Розничная"
    first = offers.items[0]
    assert first.source == "Предложение"
    assert [(p.amount, p.currency) for p in first.prices] == [
        ("4", "USD"),
        ("6", "USD"),
        ("7", "руб"),
        ("5", "USD"),
    ]
    assert first.quantity == "0"


def test_ut11_offers_with_namespace_bom_articles_and_stock_by_warehouse():
    offers = read_catalog(UT11_OFFERS.read_bytes())

    assert offers.kind == "offers"
    assert offers.schema_version == "2.07"
    assert len(offers.items) == 44
    assert len(offers.warehouses) == 3
    first = offers.items[0]
    assert first.article == "PM-421-WP"
    assert first.unit.code == "796"
    assert first.quantity == "377"
    assert first.prices[0].amount == "100"


def test_counterparties_file_is_recognised_and_gives_no_items():
    counterparties = read_catalog(UT11_COUNTERPARTIES.read_bytes())

    assert counterparties.kind == "counterparties"
    assert counterparties.counterparties == 4
    assert counterparties.items == []


def test_orders_file_is_recognised_as_documents():
    orders = read_catalog(UT11_ORDERS.read_bytes())

    assert orders.kind == "documents"
    assert orders.documents == 2
    assert orders.counterparties == 0
    assert orders.items == []


def test_items_stream_from_a_file_object_while_the_summary_fills_in():
    summary = CatalogFile(filename="import.xml")
    stream = io.BytesIO(OFFICIAL_IMPORT.read_bytes())

    first = next(iter_items(stream, summary))

    assert first.name == "Стол обеденный"
    assert summary.groups and summary.catalog_id is not None


def test_cml31_unit_code_as_text_resolves_through_the_classifier_units():
    payload = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_3" ВерсияСхемы="3.1"
    ДатаФормирования="2017-08-24T13:50:58">
  <Классификатор><Ид>c</Ид><Наименование>К</Наименование>
    <ЕдиницыИзмерения><ЕдиницаИзмерения><Ид>796 </Ид>
      <НаименованиеКраткое>шт</НаименованиеКраткое><Код>796 </Код>
      <НаименованиеПолное>штука</НаименованиеПолное>
    </ЕдиницаИзмерения></ЕдиницыИзмерения>
  </Классификатор>
  <Каталог СодержитТолькоИзменения="true"><Ид>c</Ид><Товары>
    <Товар><Ид>g1</Ид><Штрихкод/><Артикул/><Наименование>Astra Linux</Наименование>
      <БазоваяЕдиница>796 </БазоваяЕдиница></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>""".encode()

    catalog = read_catalog(payload)

    item = catalog.items[0]
    assert (item.unit.code, item.unit.name) == ("796", "шт")
    assert item.barcodes == () and item.article is None
    assert catalog.only_changes is True


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_dtd_or_entity_is_refused(payload: bytes):
    with pytest.raises(CommerceMLError, match="DOCTYPE is not allowed"):
        read_catalog(payload)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(CommerceMLError, match="limit is 1000"):
        read_catalog(OFFICIAL_IMPORT.read_bytes(), limits=Limits(max_bytes=1000))


def test_a_stream_over_the_size_limit_is_refused_while_read():
    stream = io.BytesIO(OFFICIAL_IMPORT.read_bytes())

    with pytest.raises(CommerceMLError, match="over the 4096-byte limit"):
        list(iter_items(stream, limits=Limits(max_bytes=4096)))


def test_nesting_deeper_than_the_limit_is_refused():
    payload = (
        "<КоммерческаяИнформация>"
        + "<Группы>" * 50
        + "</Группы>" * 50
        + "</КоммерческаяИнформация>"
    ).encode()

    with pytest.raises(CommerceMLError, match="deeper than 40"):
        read_catalog(payload)


def test_another_root_is_not_a_nomenclature_file():
    with pytest.raises(CommerceMLError, match="the root is <Справочник>"):
        read_catalog("<Справочник><Элемент/></Справочник>".encode())


def test_broken_xml_is_refused_with_the_parser_reason():
    with pytest.raises(CommerceMLError, match="not well-formed"):
        read_catalog("<КоммерческаяИнформация><Каталог>".encode())
