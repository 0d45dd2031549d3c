"""Field paths: dotted names, indices, every item, quoted names, clear errors."""

from __future__ import annotations

import pytest

from gateway.mapping.paths import PathError, PathSyntaxError, parse_path

DOC = {
    "doc": {
        "number": "142",
        "requisites": {"Статус заказа": "[N] Принят"},
        "lines": [
            {"id": "A", "unit": {"code": "796"}, "taxes": [{"rate": "22"}]},
            {"id": "B", "unit": {"code": "778"}, "taxes": [{"rate": "10"}]},
        ],
    }
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("doc.number", "142"),
        ("doc.lines[0].unit.code", "796"),
        ("doc.lines[-1].id", "B"),
        ("doc.lines[*].id", ["A", "B"]),
        ("doc.lines[*].taxes[*].rate", ["22", "10"]),
        ('doc.requisites["Статус заказа"]', "[N] Принят"),
        ("doc.requisites['Статус заказа']", "[N] Принят"),
    ],
)
def test_a_path_reads_its_value(text: str, value: object):
    assert parse_path(text).resolve(DOC) == value


def test_a_name_that_is_not_there_gives_nothing():
    assert parse_path("doc.comment.text").resolve(DOC) is None


def test_an_index_past_the_end_gives_nothing():
    assert parse_path("doc.lines[5].id").resolve(DOC) is None


def test_a_name_on_a_list_says_to_pick_an_item():
    with pytest.raises(PathError) as caught:
        parse_path("doc.lines.id").resolve(DOC)

    assert "doc.lines is a list; pick an item with [0]" in str(caught.value)


def test_a_name_on_text_says_what_is_there():
    with pytest.raises(PathError) as caught:
        parse_path("doc.number.digits").resolve(DOC)

    assert str(caught.value) == "doc.number is text '142', not a mapping with 'digits'"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("doc..number", 5, "expected a name after '.'"),
        ("doc.lines[x]", 11, "inside [] write a number, * or a quoted name"),
        ("doc.lines[0", 10, "'[' is not closed"),
        ("doc.Статус заказа", 11, "a name with spaces goes in brackets"),
        ("doc.", 5, "the path ends with '.'"),
        ('doc["Статус]', 5, 'the quote " is not closed'),
    ],
)
def test_a_path_syntax_error_says_where_and_what(text: str, column: int, message: str):
    with pytest.raises(PathSyntaxError) as caught:
        parse_path(text)

    assert caught.value.column == column
    assert message in str(caught.value)
