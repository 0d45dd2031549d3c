"""The tenant's item table on disk: client item code → Komus article.

The table is the CSV file ``mappings/tables/<tenant>_items.csv`` that inbound
mappings look into (``lookup: {table: <tenant>_items, column: article}``), in the
format ``gateway.mapping.tables`` reads: the first column is the key. Rows are set
in place (an item mapped again keeps its line), new ones are appended, everything
else in the file is left as it was, and the file is replaced in one step so that a
reload never sees half of it.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import FinalError

KEY_COLUMN = "client_item_code"
ARTICLE_COLUMN = "article"
NAME_COLUMN = "name"
NEW_TABLE_COLUMNS = (KEY_COLUMN, ARTICLE_COLUMN, NAME_COLUMN)
NEW_TABLE_MODE = 0o644


class ItemTableUnwritable(FinalError):
    """The tenant's item table exists in a shape this writer must not touch."""


@dataclass(frozen=True)
class ItemRow:
    article: str
    name: str | None = None


@dataclass(frozen=True)
class TableChange:
    path: Path
    added: int
    updated: int
    unchanged: int


def item_table_name(tenant_id: str) -> str:
    return f"{tenant_id}_items"


def upsert_items(folder: Path, name: str, rows: Mapping[str, ItemRow]) -> TableChange:
    """Set the article (and the name, where the table has one) of each item code."""
    path = folder / f"{name}.csv"
    for other in (folder / f"{name}.yaml", folder / f"{name}.yml"):
        if other.exists():
            raise ItemTableUnwritable(
                f"the item table {name!r} is kept as YAML ({other.name}); add the "
                "confirmed rows there by hand or move it to CSV"
            )
    header, lines, delimiter = _read(path)
    if header[0] != KEY_COLUMN and KEY_COLUMN in header:
        raise ItemTableUnwritable(
            f"{path.name}: {KEY_COLUMN!r} must be the first column (the key)"
        )
    if ARTICLE_COLUMN not in header:
        raise ItemTableUnwritable(
            f"{path.name} has no {ARTICLE_COLUMN!r} column; its columns are "
            f"{', '.join(header)}"
        )
    article_at = header.index(ARTICLE_COLUMN)
    name_at = header.index(NAME_COLUMN) if NAME_COLUMN in header else None

    position = {cells[0].strip(): index for index, cells in enumerate(lines) if cells}
    added = updated = unchanged = 0
    for code, row in rows.items():
        index = position.get(code)
        if index is None:
            cells = [""] * len(header)
            cells[0] = code
            lines.append(cells)
            position[code] = len(lines) - 1
            added += 1
        else:
            cells = lines[index]
            if cells[article_at].strip() == row.article:
                unchanged += 1
                continue
            updated += 1
        cells[article_at] = row.article
        if name_at is not None and row.name and not cells[name_at].strip():
            cells[name_at] = row.name

    if added or updated:
        _replace(path, header, lines, delimiter)
    return TableChange(path, added, updated, unchanged)


def _read(path: Path) -> tuple[list[str], list[list[str]], str]:
    if not path.exists():
        return list(NEW_TABLE_COLUMNS), [], ","
    text = path.read_bytes().decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader, [])]
    if not any(header):
        return list(NEW_TABLE_COLUMNS), [], ","
    lines = [cells for cells in reader if any(cell.strip() for cell in cells)]
    for cells in lines:
        cells.extend([""] * (len(header) - len(cells)))
    return header, lines, delimiter


def _replace(
    path: Path, header: list[str], lines: list[list[str]], delimiter: str
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else NEW_TABLE_MODE
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(lines)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
