"""Value tables in CSV and YAML: loaded once, indexed by key, problems located."""

from __future__ import annotations

import csv
from pathlib import Path

from gateway.mapping.tables import TableStore, load_table

from .conftest import MAPPINGS, OKEI_SAMPLES, write


def test_a_csv_table_is_indexed_by_its_first_column(tmp_path: Path):
    path = write(
        tmp_path,
        "items.csv",
        "client_item_code,article\nБУМ-A4,221133\nРУЧ-01,1034567\n",
    )

    table, problems = load_table(path, "items.csv")

    assert problems == []
    assert table is not None
    assert table.key == "client_item_code"
    assert table.find("РУЧ-01") == {"client_item_code": "РУЧ-01", "article": "1034567"}


def test_fifty_thousand_rows_load_into_a_dict(tmp_path: Path):
    path = tmp_path / "items.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["client_item_code", "article", "name"])
        for number in range(50_000):
            writer.writerow(
                [f"CL-{number:06d}", f"{100000 + number}", f"item {number}"]
            )

    table, problems = load_table(path, "items.csv")

    assert problems == []
    assert table is not None
    assert len(table) == 50_000
    assert isinstance(table.rows, dict)
    assert table.find("CL-049999")["article"] == "149999"
    assert table.find("CL-050000") is None


def test_semicolons_and_a_bom_are_read_as_excel_writes_them(tmp_path: Path):
    path = tmp_path / "centres.csv"
    path.write_bytes("\ufeffcounterparty;cost_centre\nA-1;CC-100\n".encode())

    table, _ = load_table(path, "centres.csv")

    assert table is not None
    assert table.find("A-1") == {"counterparty": "A-1", "cost_centre": "CC-100"}


def test_a_duplicate_csv_key_names_both_lines(tmp_path: Path):
    path = write(tmp_path, "items.csv", "code,article\nA,1\nB,2\nA,3\n")

    table, problems = load_table(path, "mappings/tables/items.csv")

    assert table is None
    assert [str(p) for p in problems] == [
        "mappings/tables/items.csv:4:1: code: duplicate key 'A' in table 'items': "
        "it is on line 2 and on line 4; keep one of them"
    ]


def test_a_duplicate_yaml_key_names_both_lines(tmp_path: Path):
    path = write(
        tmp_path,
        "statuses.yaml",
        "kind: table\nkey: code\nrows:\n  - {code: N, status: submitted}\n"
        "  - {code: R, status: confirmed}\n  - {code: N, status: paid}\n",
    )

    _, problems = load_table(path, "mappings/tables/statuses.yaml")

    assert [str(p) for p in problems] == [
        "mappings/tables/statuses.yaml:6:5: rows[2]: duplicate key 'N' in table "
        "'statuses': it is on line 4 and on line 6; keep one of them"
    ]


def test_a_row_with_too_many_cells_is_reported_with_its_line(tmp_path: Path):
    path = write(tmp_path, "items.csv", "code,article\nA,1\nB,2,3\n")

    _, problems = load_table(path, "items.csv")

    assert [str(p) for p in problems] == [
        "items.csv:3:1: 3 cells, but the header names 2 columns (separator ',')"
    ]


def test_an_unquoted_comma_in_a_yaml_row_is_caught(tmp_path: Path):
    path = write(
        tmp_path,
        "statuses.yaml",
        "kind: table\nkey: status\nrows:\n  - {status: held, text: Принят, ждёт}\n"
        "  - {status: paid, text: Оплачен}\n",
    )

    _, problems = load_table(path, "statuses.yaml")

    assert len(problems) == 1
    assert str(problems[0]).startswith("statuses.yaml:4:34: ждёт: only this row has")


def test_the_komus_status_table_format_is_read_as_written():
    table, problems = load_table(
        MAPPINGS / "tables" / "komus_statuses.yaml", "komus_statuses.yaml"
    )

    assert problems == []
    assert table is not None
    assert table.key == "code"
    assert {"code", "name", "status"} <= set(table.columns)
    assert table.find("N")["status"] == "submitted"


def test_units_hold_every_okei_code_with_iso_and_sap_codes():
    with (OKEI_SAMPLES / "OKEIUoms.csv").open(encoding="utf-8-sig") as source:
        classifier = {row["Code"] for row in csv.DictReader(source)}

    units, problems = load_table(MAPPINGS / "tables" / "units.csv", "units.csv")

    assert problems == []
    assert units is not None
    assert set(units.rows) == classifier
    assert units.find("796") == {
        "okei": "796",
        "name": "Штука",
        "symbol": "шт",
        "iso": "PCE",
        "sap": "ST",
    }
    assert units.find("006")["iso"] == "MTR"


def test_a_lookup_by_another_column_finds_the_row():
    units, _ = load_table(MAPPINGS / "tables" / "units.csv", "units.csv")

    assert units is not None
    assert units.find("KG", by="sap")["okei"] == "166"
    assert units.find("LTR", by="iso")["okei"] == "112"


class CountedRows(dict):
    """A table's rows that count how often the whole table is read."""

    scans = 0

    def values(self):  # type: ignore[override]
        self.scans += 1
        return super().values()


def test_lookups_by_another_column_read_the_table_once_to_index_it(tmp_path: Path):
    path = tmp_path / "items.csv"
    rows = "".join(f"CL-{n:06d},{100000 + n}\n" for n in range(50_000))
    path.write_text("client_item_code,article\n" + rows, encoding="utf-8")
    table, _ = load_table(path, "items.csv")
    assert table is not None
    table.rows = CountedRows(table.rows)

    found = [table.find(str(100000 + n), by="article") for n in range(0, 50_000, 7)]

    assert table.rows.scans == 1
    assert found[-1] == {"client_item_code": "CL-049994", "article": "149994"}


def test_sap_aliases_lead_to_okei_codes():
    sap, _ = load_table(MAPPINGS / "tables" / "sap_units.csv", "sap_units.csv")

    assert sap is not None
    assert {code: sap.find(code)["okei"] for code in ("ST", "PC", "PAK", "KAR")} == {
        "ST": "796",
        "PC": "796",
        "PAK": "778",
        "KAR": "778",
    }


def test_the_store_reloads_a_changed_table_and_keeps_the_others(workspace: Path):
    store = TableStore(workspace)
    store.refresh()
    units = store.get("units")
    write(workspace, "tables/currencies.csv", "code,iso\nруб,RUB\n")

    changed = store.refresh()

    assert changed == {"currencies"}
    assert store.get("units") is units
    assert len(store.get("currencies")) == 1
