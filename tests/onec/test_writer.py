"""The query answer as bytes: the encoding it declares, and where documents go."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from connectors.onec.reader import iter_documents
from connectors.onec.writer import QueryWriter
from gateway.config import TenantSettings
from gateway.mapping.registry import MappingRegistry
from tests.onec.harness import MAPPINGS

SHIPPED = json.loads(
    (MAPPINGS / "tests" / "inputs" / "onec_order_shipped.json").read_text("utf-8")
)
TENANT = TenantSettings(
    id="demo", legal_name='ООО "Ромашка"', inn="7707083893", kpp="773601001"
)
NOW = datetime(2026, 2, 12, 12, 0, 0)


@pytest.fixture(scope="module")
def writer() -> QueryWriter:
    return QueryWriter(MappingRegistry(MAPPINGS, interval=0))


def render(writer: QueryWriter, version: str, encoding: str = "windows-1251"):
    return writer.render(
        [SHIPPED], tenant=TENANT, version=version, encoding=encoding, now=NOW
    ).encoded


def test_windows_1251_is_declared_sent_and_named_in_the_header(writer):
    encoded = render(writer, "2.10")

    assert encoded.content_type == "application/xml; charset=windows-1251"
    assert encoded.body.startswith(b"<?xml version='1.0' encoding='windows-1251'?>")
    assert "Отгружен".encode("cp1251") in encoded.body


def test_utf8_is_sent_with_a_byte_order_mark(writer):
    encoded = render(writer, "2.10", "utf-8")

    assert encoded.content_type == "application/xml; charset=utf-8"
    assert encoded.body.startswith(
        b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>"
    )
    assert "Отгружен".encode() in encoded.body


def test_nothing_waiting_is_an_empty_root(writer):
    encoded = writer.render(
        [], tenant=TENANT, version="2.05", encoding="windows-1251", now=NOW
    ).encoded

    assert encoded.body.decode("cp1251").splitlines()[1] == (
        '<КоммерческаяИнформация ВерсияСхемы="2.05" '
        'ДатаФормирования="2026-02-12T12:00:00"/>'
    )


def test_up_to_2_09_documents_follow_their_order(writer):
    documents = list(iter_documents(render(writer, "2.08").body))

    assert [(d.operation, d.subordinates) for d in documents] == [
        ("Заказ товара", []),
        ("Счет на оплату", []),
    ]


def test_2_10_puts_documents_under_their_order(writer):
    (order,) = iter_documents(render(writer, "2.10").body)

    assert [s.operation for s in order.subordinates] == ["Счет на оплату"]


def test_3_1_wraps_an_order_and_its_documents_in_one_container(writer):
    documents = list(iter_documents(render(writer, "3.1").body))

    assert [(d.operation, d.container) for d in documents] == [
        ("Заказ товара", 1),
        ("Счет на оплату", 1),
    ]


def test_an_order_the_mapping_cannot_write_is_left_for_later(writer):
    lost = {**SHIPPED, "status": "lost", "requisition": {**SHIPPED["requisition"]}}

    rendered = writer.render(
        [lost, SHIPPED], tenant=TENANT, version="2.10", encoding="utf-8", now=NOW
    )

    assert rendered.written == [7] and list(rendered.failed) == [7]
