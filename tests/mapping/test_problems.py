"""Every problem in a mapping is told as FILE:LINE:COL: path: what would be right."""

from __future__ import annotations

from pathlib import Path

from gateway.mapping import check_all

from .conftest import write

FILE = "mappings/demo/onec.yaml"


def problems(workspace: Path, text: str) -> list[str]:
    write(workspace, "demo/onec.yaml", text)
    return [str(problem) for problem in check_all(workspace)]


def test_an_unknown_key_suggests_the_nearest_name(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n"
        "      quantity: {path: line.quantity, reqired: true}\n",
    )

    assert found == [
        f"{FILE}:4:39: inbound.lines.fields.quantity.reqired: unknown key "
        "(did you mean 'required'?)"
    ]


def test_an_unknown_requisition_field_suggests_the_nearest_one(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  header:\n    numbr: {path: doc.number}\n",
    )

    assert found == [
        f"{FILE}:3:5: inbound.header.numbr: not a requisition field "
        "(did you mean 'number'?)"
    ]


def test_a_wrong_type_says_what_was_expected(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  header:\n    number: {path: doc.number, required: yes}\n",
    )

    assert found == [
        f"{FILE}:3:42: inbound.header.number.required: expected true or false, "
        "got 'yes'"
    ]


def test_a_field_that_is_not_a_mapping_shows_the_form(workspace: Path):
    found = problems(workspace, "inbound:\n  header:\n    number: doc.number\n")

    assert found == [
        f"{FILE}:3:13: inbound.header.number: a field is a mapping such as "
        "{path: line.quantity} or {value: RUB}, got 'doc.number'"
    ]


def test_a_table_that_does_not_exist_suggests_one_that_does(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit.code\n"
        "        lookup: {table: unit, column: okei, missing: fail}\n",
    )

    assert found == [
        f"{FILE}:7:25: inbound.lines.fields.unit_code.lookup.table: no table 'unit' "
        "in mappings/tables (did you mean 'units'?)"
    ]


def test_a_missing_column_suggests_the_nearest_column(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit.code\n"
        "        lookup: {table: units, column: isoo, missing: fail}\n",
    )

    assert found == [
        f"{FILE}:7:40: inbound.lines.fields.unit_code.lookup.column: table 'units' "
        "has no column 'isoo' (did you mean 'iso'?)"
    ]


def test_a_broken_template_carries_the_template_engines_error(workspace: Path):
    found = problems(
        workspace,
        'inbound:\n  header:\n    comment: {template: "{{ doc.number }"}\n',
    )

    assert found == [
        f"{FILE}:3:26: inbound.header.comment.template: broken template: "
        "unexpected '}'"
    ]


def test_a_template_line_is_counted_inside_a_block(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  header:\n    comment:\n      template: |\n"
        "        {{ doc.number }}\n        {% if doc.comment %}\n",
    )

    assert len(found) == 1
    assert found[0].startswith(f"{FILE}:6:1: inbound.header.comment.template: ")


def test_a_template_with_an_unknown_name_suggests_one(workspace: Path):
    found = problems(
        workspace,
        'inbound:\n  header:\n    comment: {template: "{{ dok.number }}"}\n',
    )

    assert found == [
        f"{FILE}:3:26: inbound.header.comment.template: broken template: unknown "
        "name 'dok' (did you mean 'doc'?); names here: doc, tenant"
    ]


def test_a_duplicate_key_in_a_table_names_both_lines(workspace: Path):
    write(workspace, "tables/demo_items.csv", "code,article\nA,1\nB,2\nA,3\n")

    found = [str(problem) for problem in check_all(workspace)]

    assert (
        "mappings/tables/demo_items.csv:4:1: code: duplicate key 'A' in table "
        "'demo_items': it is on line 2 and on line 4; keep one of them"
    ) in found


def test_a_mapping_looking_into_a_broken_table_says_so(workspace: Path):
    write(workspace, "tables/demo_items.csv", "code,article\nA,1\nA,3\n")

    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      article:\n        path: line.id\n"
        "        lookup: {table: demo_items, column: article, missing: pass}\n",
    )

    assert (
        f"{FILE}:7:25: inbound.lines.fields.article.lookup.table: table 'demo_items' "
        "has problems of its own (reported at its file); fix them first"
    ) in found


def test_a_path_syntax_error_points_into_the_path(workspace: Path):
    found = problems(
        workspace,
        'inbound:\n  header:\n    number: {path: "doc.lines[x].id"}\n',
    )

    assert found == [
        f"{FILE}:3:31: inbound.header.number.path: cannot read path "
        "'doc.lines[x].id': inside [] write a number, * or a quoted name, not 'x'"
    ]


def test_a_path_from_a_name_not_offered_here_says_where_it_is(workspace: Path):
    found = problems(workspace, "inbound:\n  header:\n    number: {path: line.id}\n")

    assert found == [
        f"{FILE}:3:20: inbound.header.number.path: unknown name 'line'; paths here "
        "start with doc, tenant; line is known only inside inbound.lines"
    ]


def test_an_unknown_conversion_suggests_the_nearest(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n"
        "      quantity: {path: line.quantity, convert: decmal}\n",
    )

    assert found == [
        f"{FILE}:4:48: inbound.lines.fields.quantity.convert: unknown conversion "
        "'decmal' (did you mean 'decimal'?)"
    ]


def test_a_conversion_that_does_not_fit_the_field_is_refused(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n"
        "      quantity: {path: line.quantity, convert: date}\n",
    )

    assert found == [
        f"{FILE}:4:48: inbound.lines.fields.quantity.convert: quantity holds a "
        "quantity value; convert: date does not give one (use quantity)"
    ]


def test_a_when_that_does_not_parse_carries_the_parsers_error(workspace: Path):
    found = problems(
        workspace,
        'inbound:\n  lines:\n    when: "line.quantity >"\n'
        "    fields:\n      quantity: {path: line.quantity}\n",
    )

    assert found == [
        f"{FILE}:3:12: inbound.lines.when: cannot read the condition "
        "'line.quantity >': unexpected 'end of template'"
    ]


def test_a_lookup_policy_typo_suggests_the_policy(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit.code\n"
        "        lookup: {table: units, column: okei, missing: fial}\n",
    )

    assert found == [
        f"{FILE}:7:55: inbound.lines.fields.unit_code.lookup.missing: unknown policy "
        "'fial' (did you mean 'fail'?); missing: fail, missing: pass or "
        "missing: {default: VALUE}"
    ]


def test_a_lookup_without_a_policy_asks_for_one(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      quantity: {path: line.quantity}\n"
        "      unit_code:\n        path: line.unit.code\n"
        "        lookup: {table: units, column: okei}\n",
    )

    assert found == [
        f"{FILE}:7:9: inbound.lines.fields.unit_code.lookup: say what happens when "
        "the value is not in the table: missing: fail, missing: pass or "
        "missing: {default: VALUE}"
    ]


def test_a_default_that_cannot_be_converted_is_reported(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n"
        "      quantity: {path: line.quantity, default: два}\n",
    )

    assert len(found) == 1
    assert found[0].startswith(
        f"{FILE}:4:48: inbound.lines.fields.quantity.default: the default 'два' is "
        "not a quantity: not an amount"
    )


def test_two_sources_for_one_field_are_refused(workspace: Path):
    found = problems(
        workspace,
        'inbound:\n  header:\n    number: {path: doc.number, value: "1"}\n',
    )

    assert found == [
        f"{FILE}:3:32: inbound.header.number.value: give one of path, value or "
        "template, not path and value"
    ]


def test_lines_without_a_quantity_are_refused(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  lines:\n    fields:\n      article: {path: line.id}\n",
    )

    assert found == [
        f"{FILE}:3:5: inbound.lines.fields: every line needs a quantity: add "
        "quantity: {path: …}"
    ]


def test_an_unknown_reader_suggests_a_known_one(workspace: Path):
    found = problems(
        workspace,
        "reader: comerceml\ninbound:\n  header:\n    number: {path: doc.id}\n",
    )

    assert found == [
        f"{FILE}:1:9: reader: unknown reader 'comerceml' (did you mean 'commerceml'?)"
    ]


def test_a_yaml_syntax_error_is_located(workspace: Path):
    found = problems(workspace, "inbound:\n  header:\n    number: {path: doc.number\n")

    assert found == [
        f"{FILE}:4:1: expected ',' or '}}', but got '<stream end>' "
        "(while parsing a flow mapping)"
    ]


def test_a_key_given_twice_in_a_mapping_names_the_first_line(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  header:\n    number: {path: doc.number}\n"
        "    number: {path: doc.number_1c}\n",
    )

    assert len(found) == 1
    assert found[0].startswith(f'{FILE}:4:5: found duplicate key "number"')
    assert found[0].endswith("the first one is on line 3")


def test_an_item_name_that_is_taken_is_refused(workspace: Path):
    found = problems(
        workspace,
        "outbound:\n  order:\n    output:\n      each: doc.lines\n      as: doc\n"
        "      fields: {id: {path: item.id}}\n",
    )

    assert found == [
        f"{FILE}:5:11: outbound.order.output.as: 'doc' cannot name the item: use "
        "letters, digits and _; doc, index, tenant are taken"
    ]


def test_a_key_that_does_not_go_with_its_kind_of_node_is_refused(workspace: Path):
    found = problems(
        workspace,
        "outbound:\n  order:\n    output:\n      fields: {id: {path: doc.id}}\n"
        "      convert: string\n",
    )

    assert found == [
        f"{FILE}:5:7: outbound.order.output.convert: 'convert' does not go with "
        "'fields'"
    ]


def test_a_file_outside_a_tenant_folder_is_reported(workspace: Path):
    write(workspace, "onec.yaml", "inbound:\n  header:\n    number: {path: doc.id}\n")

    found = [str(problem) for problem in check_all(workspace)]

    assert found == [
        "mappings/onec.yaml:1:1: a mapping file goes in mappings/<tenant>/<channel>"
        ".yaml or mappings/shared/<channel>.yaml"
    ]


def test_every_problem_is_reported_not_just_the_first(workspace: Path):
    found = problems(
        workspace,
        "inbound:\n  header:\n    numbr: {path: doc.number}\n"
        "    comment: {path: doc.comment, convert: texts}\n",
    )

    assert [line.split(":")[1] for line in found] == ["3", "4"]


def test_the_shipped_mappings_have_no_problems():
    assert check_all(Path(__file__).resolve().parents[2] / "mappings") == []
