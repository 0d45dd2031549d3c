"""An outbound mapping turns a dict into the tree a channel sends."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.mapping import MappingFailed
from gateway.mapping.engine import OutboundMapping
from gateway.mapping.loader import compile_file
from gateway.mapping.tables import TableStore

from .conftest import MAPPINGS, write

ORDER = json.loads(
    (MAPPINGS / "tests" / "inputs" / "order_shipped.json").read_text(encoding="utf-8")
)


def outbound(root: Path, relative: str, name: str) -> OutboundMapping:
    tables = TableStore(root)
    tables.refresh()
    mapping, problems = compile_file(root / relative, root, tables)
    assert problems == []
    assert mapping is not None
    return mapping.outbound[name]


def inline(workspace: Path, output: str) -> OutboundMapping:
    write(workspace, "shared/test.yaml", f"outbound:\n  out:\n    output:\n{output}")
    return outbound(workspace, "shared/test.yaml", "out")


def test_each_makes_one_item_per_input_item(workspace: Path):
    mapping = inline(
        workspace,
        "      each: doc.order.lines\n      as: line\n"
        "      fields:\n        no: {path: line.line_no, convert: integer}\n"
        "        qty: {path: line.quantity_ordered, convert: quantity}\n",
    )

    assert mapping.render(ORDER) == [
        {"no": 10, "qty": Decimal("10")},
        {"no": 20, "qty": Decimal("2")},
    ]


def test_each_with_a_path_makes_a_list_of_values(workspace: Path):
    mapping = inline(
        workspace, "      each: doc.order.lines\n      path: item.article\n"
    )

    assert mapping.render(ORDER) == ["1034567", "221133"]


def test_a_fixed_list_drops_items_whose_when_is_false(workspace: Path):
    mapping = inline(
        workspace,
        "      list:\n        - {value: always}\n"
        "        - {value: paid, when: \"doc.order.get('paid_at')\"}\n"
        "        - {value: cancelled, when: \"doc.order.status == 'cancelled'\"}\n",
    )

    assert mapping.render(ORDER) == ["always", "paid"]


def test_the_1c_status_text_and_code_come_from_the_status_table():
    mapping = outbound(MAPPINGS, "shared/onec.yaml", "order_status")

    requisites = mapping.render(ORDER)["ЗначенияРеквизитов"]

    assert requisites[:2] == [
        {"Наименование": "Статус заказа", "Значение": "Отгружен"},
        {"Наименование": "Статуса заказа ИД", "Значение": "S"},
    ]


def test_an_unknown_status_fails_with_the_output_path():
    mapping = outbound(MAPPINGS, "shared/onec.yaml", "order_status")
    order = {**ORDER, "order": {**ORDER["order"], "status": "lost"}}

    with pytest.raises(MappingFailed) as caught:
        mapping.render(order)

    assert caught.value.field == "ЗначенияРеквизитов[1].Значение"
    assert "'lost' is not in table 'onec_statuses'" in str(caught.value)


def test_sap_gets_iso_units_and_six_digit_item_numbers():
    mapping = outbound(MAPPINGS, "shared/sap.yaml", "confirmation")

    items = mapping.render(ORDER)["E1EDP01"]

    assert [(i["POSEX"], i["MENEE"]) for i in items] == [
        ("000010", "PCE"),
        ("000020", "NMP"),
    ]


def test_a_template_with_a_missing_name_fails_instead_of_printing_nothing(
    workspace: Path,
):
    mapping = inline(workspace, '      template: "{{ doc.order.nothing }}"\n')

    with pytest.raises(MappingFailed, match="could not be rendered"):
        mapping.render(ORDER)
