"""Codes stay text when YAML is loaded: 796 and 006 are units, NO is not false."""

from __future__ import annotations

from pathlib import Path

from gateway.mapping import yamltree
from gateway.mapping.tables import load_table

from .conftest import write


def test_plain_numbers_with_leading_zeros_stay_text():
    tree, problems = yamltree.parse("units: [796, 006, 0012]\n", "t.yaml")

    assert problems == []
    assert list(tree["units"]) == ["796", "006", "0012"]


def test_norway_is_not_false_and_true_is_a_word():
    tree, _ = yamltree.parse("country: NO\nanswer: yes\nflag: true\n", "t.yaml")

    assert (tree["country"], tree["answer"], tree["flag"]) == ("NO", "yes", "true")


def test_dates_and_decimals_stay_as_written():
    tree, _ = yamltree.parse("date: 2026-02-10\nprice: 1.50\n", "t.yaml")

    assert (tree["date"], tree["price"]) == ("2026-02-10", "1.50")


def test_tilde_null_and_empty_mean_no_value():
    tree, _ = yamltree.parse("a: ~\nb: null\nc:\nd: 'null'\n", "t.yaml")

    assert (tree["a"], tree["b"], tree["c"], tree["d"]) == (None, None, None, "null")


def test_a_yaml_table_keeps_codes_as_text(tmp_path: Path):
    path = write(
        tmp_path,
        "tables/codes.yaml",
        "kind: table\nkey: code\nrows:\n"
        "  - {code: 006, country: NO, okei: 796}\n"
        "  - {code: 6, country: SE, okei: 778}\n",
    )

    table, problems = load_table(path, "tables/codes.yaml")

    assert problems == []
    assert table is not None
    assert table.find("006") == {"code": "006", "country": "NO", "okei": "796"}
    assert table.find("6")["country"] == "SE"
