"""Templates and conditions: sandboxed, strict about names, same result either way."""

from __future__ import annotations

import pytest
from jinja2.exceptions import UndefinedError

from gateway.mapping.templates import (
    ENVIRONMENT,
    RUNTIME_ERRORS,
    TemplateProblem,
    compile_condition,
    compile_template,
)

NAMES = {"doc", "line", "index", "tenant"}
SCOPE = {
    "doc": {"number": "142", "date": "2015-06-29", "comment": None, "n": 3},
    "line": {"id": "ORDER_DELIVERY", "requisites": {"ТипНоменклатуры": "Услуга"}},
    "index": 2,
    "tenant": {"id": "demo"},
}

CONDITIONS = [
    "line.id == 'ORDER_DELIVERY'",
    "line.requisites.get('ТипНоменклатуры') == 'Услуга'",
    "line.requisites.get('Вес', '0') == '0'",
    "line.id != 'X' and not doc.comment",
    "doc.comment or index > 1",
    "doc.number in ('141', '142')",
    "1 < index <= 2",
    "line['id'] == 'ORDER_DELIVERY'",
]


@pytest.mark.parametrize("source", CONDITIONS)
def test_a_condition_gives_what_jinja_gives(source: str):
    condition = compile_condition(source, NAMES)

    expected = ENVIRONMENT.compile_expression(source, undefined_to_none=False)
    assert condition(SCOPE) == expected(**SCOPE)


@pytest.mark.parametrize(
    "source",
    [
        "{{ doc.number }}/{{ doc.date }}",
        "1C {{ doc.number }}: {{ doc.comment }}",
        "{{ doc.number == '142' or doc.comment }}",
    ],
)
def test_a_template_gives_what_jinja_gives(source: str):
    render = compile_template(source, NAMES)

    assert render(SCOPE) == ENVIRONMENT.from_string(source).render(SCOPE)


def test_filters_and_blocks_still_work():
    render = compile_template(
        "{% if doc.comment %}{{ doc.comment }}{% else %}{{ doc.n * 2 }}{% endif %}"
        "/{{ '%06d' | format(index * 10) }}/{{ '1 234,50' | decimal }}",
        NAMES,
    )

    assert render(SCOPE) == "6/000020/1234.50"


def test_a_missing_key_is_an_error_not_an_empty_string():
    condition = compile_condition("line.weight == '0'", NAMES)

    with pytest.raises(UndefinedError):
        condition(SCOPE)


def test_a_missing_key_in_a_jinja_template_is_an_error_too():
    render = compile_template("{{ doc.missing | upper }}", NAMES)

    with pytest.raises(RUNTIME_ERRORS):
        render(SCOPE)


@pytest.mark.parametrize(
    "source",
    [
        "{{ line.__class__.__mro__ }}",
        "{{ doc.items.__globals__ }}",
        "{{ ''.__class__.__subclasses__() }}",
    ],
)
def test_the_sandbox_keeps_python_internals_out_of_reach(source: str):
    render = compile_template(source, NAMES)

    with pytest.raises(RUNTIME_ERRORS):
        render(SCOPE)


def test_a_condition_with_braces_is_refused():
    with pytest.raises(TemplateProblem, match="bare expression"):
        compile_condition("{{ line.id }}", NAMES)
