"""An inbound mapping turns a source record into a requisition draft."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.onec.reader import read_orders
from gateway.config import TenantSettings
from gateway.errors import GatewayError
from gateway.mapping import MappingFailed
from gateway.mapping.engine import InboundMapping
from gateway.mapping.loader import compile_file
from gateway.mapping.nodes import Trace
from gateway.mapping.tables import TableStore
from gateway.plain import record_from_json
from gateway.records import SourceRecord

from .conftest import MAPPINGS, OFFICIAL_ORDERS, UT11_ORDERS, write


def compiled(root: Path, relative: str = "demo/onec.yaml") -> InboundMapping:
    tables = TableStore(root)
    tables.refresh()
    mapping, problems = compile_file(root / relative, root, tables)
    assert problems == []
    assert mapping is not None and mapping.inbound is not None
    return mapping.inbound


def inline(workspace: Path, text: str) -> InboundMapping:
    write(workspace, "demo/onec.yaml", text)
    return compiled(workspace)


def record(**body: object) -> SourceRecord:
    body = {"external_id": "R-1", **body}
    return record_from_json("demo", "onec", body, b"{}")


def test_the_demo_mapping_turns_a_ut11_order_into_a_requisition(
    demo_tenant: TenantSettings,
):
    first = read_orders(UT11_ORDERS.read_bytes(), tenant_id="demo")[0]

    draft = compiled(MAPPINGS).to_requisition(demo_tenant, first)

    assert (draft.number, draft.document_date) == ("ТДЦУ-000001", date(2015, 6, 29))
    assert (draft.delivery_address_code, draft.cost_center) == ("MAIN", "CC-100")
    assert [(line.article, line.unit_code, line.quantity) for line in draft.lines] == [
        ("315384", "796", Decimal("1")),
        ("1087099", "715", Decimal("1")),
    ]
    assert draft.lines[0].expected_price == Decimal("3338")


def test_a_skipped_line_leaves_the_others_their_source_position(
    demo_tenant: TenantSettings,
):
    order = read_orders(OFFICIAL_ORDERS.read_bytes(), tenant_id="demo")[0]

    draft = compiled(MAPPINGS).to_requisition(demo_tenant, order)

    assert [(line.line_no, line.client_item_name) for line in draft.lines] == [
        (2, 'Телевизор "JVC"')
    ]


def test_an_unmapped_address_falls_back_to_the_tenants_default(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n",
    )

    draft = mapping.to_requisition(demo_tenant, record(lines=[{"quantity": "2"}]))

    assert draft.delivery_address_code == "MAIN"
    assert draft.currency == "RUB"


def test_a_literal_value_and_a_template_fill_fields(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  header:\n    delivery_address_code: {value: STORE}\n"
        '    comment: {template: "{{ tenant.id }}/{{ doc.number }}"}\n',
    )

    draft = mapping.to_requisition(demo_tenant, record(number="77"))

    assert (draft.delivery_address_code, draft.comment) == ("STORE", "demo/77")


def test_the_first_non_empty_path_of_several_wins(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  header:\n    number: {path: [doc.number_1c, doc.number]}\n",
    )

    draft = mapping.to_requisition(demo_tenant, record(number_1c="  ", number="42"))

    assert draft.number == "42"


def test_a_default_fills_an_empty_value(workspace: Path, demo_tenant: TenantSettings):
    mapping = inline(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code: {path: line.unit, default: 796}\n",
    )

    draft = mapping.to_requisition(demo_tenant, record(lines=[{"quantity": "1"}]))

    assert draft.lines[0].unit_code == "796"


def test_a_required_field_without_a_value_fails_with_its_line(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  header:\n    number:\n      path: doc.number\n"
        "      required: true\n",
    )

    with pytest.raises(MappingFailed) as caught:
        mapping.to_requisition(demo_tenant, record())

    failure = caught.value
    assert isinstance(failure, GatewayError)
    assert (failure.file, failure.line, failure.field) == (
        "mappings/demo/onec.yaml",
        3,
        "number",
    )
    assert str(failure).startswith(
        "mappings/demo/onec.yaml:3: number: doc.number = None: required"
    )


def test_a_value_that_does_not_convert_names_field_input_and_value(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.Количество}\n",
    )
    lines = [{"Количество": "1"}, {"Количество": "два"}]

    with pytest.raises(MappingFailed) as caught:
        mapping.to_requisition(demo_tenant, record(lines=lines))

    assert (caught.value.field, caught.value.source, caught.value.value) == (
        "lines[2].quantity",
        "line.Количество",
        "два",
    )
    assert str(caught.value).startswith(
        "mappings/demo/onec.yaml:4: lines[2].quantity: line.Количество = 'два': "
        "cannot convert to quantity: not an amount"
    )


def test_bool_is_read_only_where_it_is_declared(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  header:\n    comment: {path: doc.flag}\n"
        "    cancelled: {path: doc.flag}\n",
    )

    draft = mapping.to_requisition(demo_tenant, record(flag="true"))

    assert (draft.comment, draft.cancelled) == ("true", True)


def test_a_field_when_leaves_the_field_out(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  header:\n    cost_center:\n      path: doc.centre\n"
        "      when: \"doc.kind == 'internal'\"\n",
    )

    kept = mapping.to_requisition(demo_tenant, record(centre="CC-1", kind="internal"))
    left = mapping.to_requisition(demo_tenant, record(centre="CC-1", kind="external"))

    assert (kept.cost_center, left.cost_center) == ("CC-1", None)


def test_lines_when_and_skip_when_choose_lines(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  lines:\n"
        "    when: \"line.kind != 'comment'\"\n"
        "    skip_when: \"line.id == 'ORDER_DELIVERY'\"\n"
        "    fields:\n      client_item_code: {path: line.id}\n"
        "      quantity: {path: line.quantity}\n",
    )
    lines = [
        {"id": "A", "kind": "goods", "quantity": "1"},
        {"id": "ORDER_DELIVERY", "kind": "service", "quantity": "1"},
        {"id": "C", "kind": "comment", "quantity": "1"},
        {"id": "D", "kind": "goods", "quantity": "3"},
    ]

    draft = mapping.to_requisition(demo_tenant, record(lines=lines))

    assert [(line.line_no, line.client_item_code) for line in draft.lines] == [
        (1, "A"),
        (4, "D"),
    ]


def lookup_mapping(workspace: Path, policy: str) -> InboundMapping:
    return inline(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit\n"
        f"        lookup: {{table: sap_units, column: okei, missing: {policy}}}\n",
    )


def test_a_lookup_replaces_the_value_by_the_rows_column(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = lookup_mapping(workspace, "fail")

    draft = mapping.to_requisition(
        demo_tenant, record(lines=[{"quantity": "1", "unit": " PC "}])
    )

    assert draft.lines[0].unit_code == "796"


def test_a_lookup_miss_with_fail_names_the_table_and_value(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = lookup_mapping(workspace, "fail")

    with pytest.raises(MappingFailed) as caught:
        mapping.to_requisition(
            demo_tenant, record(lines=[{"quantity": "1", "unit": "BOX"}])
        )

    assert "'BOX' is not in table 'sap_units' (column sap)" in str(caught.value)
    assert caught.value.field == "lines[1].unit_code"


def test_a_lookup_miss_with_pass_keeps_the_value(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = lookup_mapping(workspace, "pass")

    draft = mapping.to_requisition(
        demo_tenant, record(lines=[{"quantity": "1", "unit": "778"}])
    )

    assert draft.lines[0].unit_code == "778"


def test_a_lookup_miss_with_a_default_takes_the_default(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = lookup_mapping(workspace, '{default: "796"}')

    draft = mapping.to_requisition(
        demo_tenant, record(lines=[{"quantity": "1", "unit": "BOX"}])
    )

    assert draft.lines[0].unit_code == "796"


def test_lookups_in_a_list_are_applied_in_turn(
    workspace: Path, demo_tenant: TenantSettings
):
    mapping = inline(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit\n        lookup:\n"
        "          - {table: units, by: iso, column: sap, missing: fail}\n"
        "          - {table: sap_units, column: okei, missing: fail}\n",
    )

    draft = mapping.to_requisition(
        demo_tenant, record(lines=[{"quantity": "1", "unit": "KGM"}])
    )

    assert draft.lines[0].unit_code == "166"


def test_a_trace_names_the_mapping_line_of_every_field(
    demo_tenant: TenantSettings,
):
    first = read_orders(UT11_ORDERS.read_bytes(), tenant_id="demo")[0]
    trace = Trace()

    compiled(MAPPINGS).to_requisition(demo_tenant, first, trace)

    text = (MAPPINGS / "demo" / "onec.yaml").read_text(encoding="utf-8").splitlines()
    number_line = int(trace["number"].rsplit(":", 1)[1])
    quantity_line = int(trace["lines[2].quantity"].rsplit(":", 1)[1])
    assert text[number_line - 1].strip() == "number:"
    assert text[quantity_line - 1].strip().startswith("quantity:")
    assert trace.values["lines[2].unit_code"] == "715"
