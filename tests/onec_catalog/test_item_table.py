"""The item table file: rows set in place, the rest of the file left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.onec.item_table import ItemRow, ItemTableUnwritable, upsert_items
from gateway.mapping.tables import load_table


def test_a_missing_table_is_created_with_the_item_columns(tmp_path: Path):
    change = upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("192678", "Ручка")})

    assert change.added == 1
    assert (tmp_path / "acme_items.csv").read_text(encoding="utf-8") == (
        "client_item_code,article,name\nG-1,192678,Ручка\n"
    )


def test_the_written_table_loads_as_a_value_table(tmp_path: Path):
    upsert_items(
        tmp_path,
        "acme_items",
        {"G-1": ItemRow("192678", 'Ручка "Шар", синяя'), "G-2": ItemRow("304391")},
    )

    table, problems = load_table(tmp_path / "acme_items.csv", "acme_items.csv")

    assert problems == []
    assert table is not None
    assert table.find("G-1") == {
        "client_item_code": "G-1",
        "article": "192678",
        "name": 'Ручка "Шар", синяя',
    }
    assert table.find("G-2")["name"] is None  # type: ignore[index]


def test_tab_separated_tables_keep_their_separator_and_extra_columns(tmp_path: Path):
    path = tmp_path / "acme_items.csv"
    path.write_text(
        "client_item_code\tarticle\tname\tcomment\nG-1\t111\tРучка\tиз 1С\n",
        encoding="utf-8",
    )

    upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("222"), "G-2": ItemRow("333")})

    assert path.read_text(encoding="utf-8") == (
        "client_item_code\tarticle\tname\tcomment\nG-1\t222\tРучка\tиз 1С\n"
        "G-2\t333\t\t\n"
    )


def test_an_unchanged_table_is_not_rewritten(tmp_path: Path):
    upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("111")})
    before = (tmp_path / "acme_items.csv").stat().st_mtime_ns

    change = upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("111")})

    assert (change.added, change.updated, change.unchanged) == (0, 0, 1)
    assert (tmp_path / "acme_items.csv").stat().st_mtime_ns == before


def test_a_yaml_item_table_is_not_touched(tmp_path: Path):
    (tmp_path / "acme_items.yaml").write_text("kind: table\n", encoding="utf-8")

    with pytest.raises(ItemTableUnwritable, match="kept as YAML"):
        upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("111")})

    assert not (tmp_path / "acme_items.csv").exists()


def test_a_table_without_an_article_column_is_refused(tmp_path: Path):
    (tmp_path / "acme_items.csv").write_text("client_item_code,sku\n", "utf-8")

    with pytest.raises(ItemTableUnwritable, match="has no 'article' column"):
        upsert_items(tmp_path, "acme_items", {"G-1": ItemRow("111")})
