"""The Komus status table integrators edit: read as written, every mistake located."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.komus.statuses import load_status_table
from gateway.errors import ConfigError
from gateway.lifecycle import OrderStatus

HEADER = "kind: table\nname: komus_statuses\nkey: code\nrows:\n"


def _table(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "komus_statuses.yaml"
    path.write_text(header + rows, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_status_table(path)
    return [str(problem) for problem in caught.value.problems]


def test_shipped_table_maps_every_komus_code_of_the_contract():
    table = load_status_table()

    assert {code: row.status for code, row in table.rows.items()} == {
        "N": OrderStatus.SUBMITTED,
        "R": OrderStatus.CONFIRMED,
        "I": OrderStatus.INVOICED,
        "P": OrderStatus.PAID,
        "C": OrderStatus.PICKING,
        "SP": OrderStatus.PARTIALLY_SHIPPED,
        "S": OrderStatus.SHIPPED,
        "D": OrderStatus.DELIVERED,
        "F": OrderStatus.CLOSED,
        "X": OrderStatus.CANCELLED,
    }


def test_unknown_status_is_reported_at_its_line_and_column(tmp_path):
    path = _table(
        tmp_path,
        '  - {code: "N", name: "Ожидает", status: submitted}\n'
        '  - {code: "R", name: "Зарезервирован", status: reserved}\n',
    )

    problems = _problems(path)

    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:6:")
    assert "unknown status 'reserved'" in problems[0]
    assert "confirmed" in problems[0]


def test_duplicate_code_points_at_the_second_row_and_names_the_first(tmp_path):
    path = _table(
        tmp_path,
        '  - {code: "N", name: "Ожидает", status: submitted}\n'
        '  - {code: "N", name: "Новый", status: confirmed}\n',
    )

    problems = _problems(path)

    assert problems == [f"{path}:6:12: code 'N' is already in the table (line 5)"]


def test_unquoted_numeric_code_and_unknown_key_are_both_reported(tmp_path):
    path = _table(
        tmp_path,
        "  - code: 10\n    name: Принят\n    status: confirmed\n    colour: green\n",
    )

    problems = _problems(path)

    assert problems == [
        f"{path}:5:11: code must be a non-empty string, quoted",
        f"{path}:8:5: unknown key 'colour' (a row has code, name, status)",
    ]


def test_broken_yaml_is_reported_where_the_parser_stopped(tmp_path):
    path = _table(tmp_path, '  - {code: "N", name: "Ожидает", status: submitted\n')

    problems = _problems(path)

    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:6:")
