"""The CommerceML reader: orders from every real 1C sample, safely."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from connectors.onec.reader import (
    CommerceMLError,
    Limits,
    iter_orders,
    read_orders,
)

from .conftest import (
    BITRIX_CP1251,
    BITRIX_EMPTY,
    CML31_ORDERS,
    OFFICIAL_CP1251,
    OFFICIAL_ORDERS,
    ONEC_SAMPLES,
    UT11_ORDERS,
)


@pytest.mark.parametrize(
    ("sample", "ids"),
    [
        (OFFICIAL_ORDERS, ["36", "92", "93"]),
        (OFFICIAL_CP1251, ["20"]),
        (BITRIX_CP1251, ["132", "133"]),
        (BITRIX_EMPTY, []),
        (UT11_ORDERS, ["142", "235"]),
        (CML31_ORDERS, ["319", "479", "480", "481"]),
    ],
)
def test_every_order_sample_gives_its_orders(sample: Path, ids: list[str]):
    records = read_orders(sample.read_bytes(), tenant_id="demo")

    assert [r.external_id for r in records] == ids


@pytest.mark.parametrize(
    "name",
    [
        "07_official1c_import_cml204_utf8.xml",
        "08_official1c_offers_cml204_utf8.xml",
        "09_ut11_offers_cml207_ns_utf8bom.xml",
        "10_ut11_contragents_cml209_ns_utf8.xml",
    ],
)
def test_catalog_offer_and_counterparty_files_hold_no_orders(name: str):
    assert read_orders((ONEC_SAMPLES / name).read_bytes()) == []


def test_windows_1251_text_arrives_as_unicode():
    order = read_orders(OFFICIAL_CP1251.read_bytes())[0]

    assert order.lines[1]["name"] == "Комбайн MOULINEX  A77 4C"
    assert order.fields["requisites"]["Статус заказа"] == "[F] Доставлен"


def test_a_namespaced_ut11_order_gives_header_by_neutral_names():
    order = read_orders(UT11_ORDERS.read_bytes(), tenant_id="demo")[0]

    assert (order.tenant_id, order.channel, order.revision) == (
        "demo",
        "onec",
        "AAAAEAAAAAA=",
    )
    assert {k: order.fields[k] for k in ("number", "number_1c", "date", "total")} == {
        "number": "142",
        "number_1c": "ТДЦУ-000001",
        "date": "2015-06-29",
        "total": "8186.84",
    }
    assert order.fields["deletion_mark"] == "false"
    assert order.fields["counterparty"]["name"] == "Kikinda (Сербия)"
    assert order.fields["warehouse"]["id"] == "6f87e83f-722c-11df-b336-0011955cba6b"
    assert order.fields["requisites"]["Статуса заказа ИД"] == "P"
    assert order.fields["schema_version"] == "2.09"


def test_a_ut11_line_carries_unit_price_vat_and_requisites():
    line = read_orders(UT11_ORDERS.read_bytes())[0].lines[1]

    assert line["unit"] == {
        "code": "715",
        "name": "пар",
        "full_name": "Пара (2 шт.)",
        "international": None,
    }
    assert (line["quantity"], line["price"], line["amount"]) == ("1", "3600", "3600")
    assert line["vat_rate"] == "18"
    assert line["requisites"]["ВидНоменклатуры"] == "Обувь"


def test_a_base_unit_gives_okei_code_and_international_abbreviation():
    line = read_orders(OFFICIAL_ORDERS.read_bytes())[0].lines[1]

    assert line["unit"] == {
        "code": "796",
        "name": "шт",
        "full_name": "Штука",
        "international": "PCE",
    }
    assert line["price"] == "6394.47"
    assert line["catalog_id"] == "bd72d8f9-55bc-11d9-848a-00112f43529a"


def test_a_3_1_container_file_with_a_bom_has_its_padding_trimmed():
    order = read_orders(CML31_ORDERS.read_bytes())[0]

    assert order.fields["number_1c"] == "L319"
    assert order.lines[0]["unit"]["code"] == "796"
    assert order.lines[0]["unit"]["full_name"] == "штука"
    assert order.fields["schema_version"] == "3.1"


def test_a_records_payload_reads_back_as_the_same_order():
    order = read_orders(UT11_ORDERS.read_bytes())[1]

    again = read_orders(order.payload)

    assert [r.external_id for r in again] == ["235"]
    assert again[0].lines == order.lines
    assert again[0].fields["requisites"] == order.fields["requisites"]


def test_orders_stream_one_at_a_time_from_a_file_object():
    stream = io.BytesIO(CML31_ORDERS.read_bytes())

    orders = iter_orders(stream)

    assert next(orders).external_id == "319"
    assert [o.external_id for o in orders] == ["479", "480", "481"]


def test_a_doctype_is_refused_and_no_entity_is_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>'
    )

    with pytest.raises(CommerceMLError, match="DOCTYPE is not allowed"):
        read_orders(bomb)


def test_an_external_entity_is_never_fetched():
    external = (
        '<?xml version="1.0"?><!DOCTYPE КоммерческаяИнформация SYSTEM '
        '"http://127.0.0.1:9/x.dtd"><КоммерческаяИнформация>&ext;'
        "</КоммерческаяИнформация>"
    ).encode()

    with pytest.raises(CommerceMLError, match="DOCTYPE"):
        read_orders(external)


def test_a_file_over_the_size_limit_is_refused():
    data = UT11_ORDERS.read_bytes()

    with pytest.raises(CommerceMLError, match="limit"):
        read_orders(data, limits=Limits(max_bytes=len(data) - 1))


def test_a_stream_over_the_size_limit_is_refused():
    stream = io.BytesIO(UT11_ORDERS.read_bytes())

    with pytest.raises(CommerceMLError, match="limit"):
        list(iter_orders(stream, limits=Limits(max_bytes=1000)))


def test_nesting_deeper_than_the_limit_is_refused():
    deep = "<КоммерческаяИнформация>" + "<a>" * 50 + "</a>" * 50
    deep += "</КоммерческаяИнформация>"

    with pytest.raises(CommerceMLError, match="deeper than 40"):
        read_orders(deep.encode())


def test_a_file_that_is_not_commerceml_is_refused():
    with pytest.raises(CommerceMLError, match="the root is <html>"):
        read_orders(b"<html><body>failure</body></html>")


def test_broken_xml_is_refused_with_the_parsers_reason():
    with pytest.raises(CommerceMLError, match="not well-formed"):
        read_orders(UT11_ORDERS.read_bytes()[:2000])


def test_an_order_without_an_id_is_refused():
    data = "<КоммерческаяИнформация><Документ><Номер>7</Номер>"
    data += "<ХозОперация>Заказ товара</ХозОперация></Документ>"
    data += "</КоммерческаяИнформация>"

    with pytest.raises(CommerceMLError, match="order 7 has no Ид"):
        read_orders(data.encode())
