"""Value tables edited in the console: a row added, changed or removed.

Only CSV tables are edited here (YAML tables keep their comments and layout, which
a rewrite would lose). The edit is written to a temporary file beside the table and
loaded with the same loader the mapping registry uses; only when that load finds no
problem does the file replace the table in one step, and the registry reloads it
with every mapping that looks into it. Two edits of a table never interleave: the
write holds a named lock (the same one a 1C nomenclature confirmation takes).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import structlog

from gateway.clock import Clock
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.mapping.registry import MappingRegistry
from gateway.mapping.tables import load_table
from gateway.store.database import Database
from gateway.store.locks import locked_session
from gateway.store.tables import AuditEntry

log = structlog.get_logger(__name__)

TABLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$")
ARTICLE_COLUMN = "article"
ARTICLE = re.compile(r"^[0-9]{1,32}$")
CELL_LIMIT = 1000
NEW_FILE_MODE = 0o644
ACTIONS = {"added": "mapping.table.row.add", "changed": "mapping.table.row.change"}


class TableNotEditable(GatewayError):
    """The table exists in a form the console does not rewrite."""


@dataclass(frozen=True)
class TableView:
    name: str
    file: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]
    """Each row with its line in the file."""
    editable: bool
    problems: list[str]


def table_owner(name: str) -> str | None:
    """The tenant a table belongs to by its name (``acme_items``), if any."""
    head, _, rest = name.partition("_")
    return head if rest else None


def lock_name(name: str) -> str:
    owner = table_owner(name)
    if owner is not None and name == f"{owner}_items":
        return f"item-table:{owner}"
    return f"mapping-table:{name}"


def read_table(registry: MappingRegistry, name: str) -> TableView:
    path = _path(registry, name)
    tables = registry.tables
    file = tables.display(path)
    problems = [str(p) for p in tables.problems_of(name)]
    if path.suffix != ".csv":
        table = tables.get(name)
        columns = list(table.columns) if table else []
        rows = [
            (table.lines.get(key, 0), [row.get(c) or "" for c in columns])
            for key, row in (table.rows.items() if table else [])
        ]
        return TableView(name, file, columns, rows, False, problems)
    header, lines, _ = _read(path)
    return TableView(name, file, header, lines, True, problems)


def set_row(
    db: Database,
    clock: Clock,
    registry: MappingRegistry,
    name: str,
    cells: dict[str, str],
    *,
    actor: str,
    tenant_id: str | None,
    replacing: str | None = None,
) -> str:
    """Add a row, or change the one whose key is ``replacing`` (or the new key).

    Returns ``added`` or ``changed``. ``ValidationFailed`` names every bad cell and
    leaves the file as it was.
    """
    path = _csv_path(registry, name)
    with locked_session(db, lock_name(name)) as session:
        header, lines, delimiter = _read(path)
        values = [(cells.get(column) or "").strip() for column in header]
        _validate(header, values)
        key = values[0]
        keys = [cells_[0].strip() for _, cells_ in lines]
        target = replacing if replacing is not None else key
        if replacing is not None and replacing not in keys:
            raise NotFound(f"{name}: no row with the key {replacing!r}")
        if key != target and key in keys:
            raise ValidationFailed([f"{header[0]}: {key!r} уже есть в таблице"])
        rows = [cells_ for _, cells_ in lines]
        if target in keys:
            before = rows[keys.index(target)]
            rows[keys.index(target)] = values
            outcome = "changed"
        else:
            before = None
            rows.append(values)
            outcome = "added"
        _replace(path, header, rows, delimiter, registry)
        session.add(
            AuditEntry(
                at=clock.now(),
                actor=actor,
                tenant_id=tenant_id,
                action=ACTIONS[outcome],
                target=registry.tables.display(path),
                details={"key": key, "before": before, "after": values},
            )
        )
    registry.refresh()
    log.info("table_row_set", table=name, key=key, outcome=outcome, actor=actor)
    return outcome


def remove_row(
    db: Database,
    clock: Clock,
    registry: MappingRegistry,
    name: str,
    key: str,
    *,
    actor: str,
    tenant_id: str | None,
) -> None:
    path = _csv_path(registry, name)
    with locked_session(db, lock_name(name)) as session:
        header, lines, delimiter = _read(path)
        rows = [cells for _, cells in lines]
        keys = [cells[0].strip() for cells in rows]
        if key not in keys:
            raise NotFound(f"{name}: no row with the key {key!r}")
        before = rows.pop(keys.index(key))
        _replace(path, header, rows, delimiter, registry)
        session.add(
            AuditEntry(
                at=clock.now(),
                actor=actor,
                tenant_id=tenant_id,
                action="mapping.table.row.remove",
                target=registry.tables.display(path),
                details={"key": key, "before": before},
            )
        )
    registry.refresh()
    log.info("table_row_removed", table=name, key=key, actor=actor)


def _validate(header: list[str], values: list[str]) -> None:
    problems = []
    if not values[0]:
        problems.append(f"{header[0]}: ключ не заполнен")
    for column, value in zip(header, values, strict=True):
        if len(value) > CELL_LIMIT:
            problems.append(f"{column}: длиннее {CELL_LIMIT} символов")
        if "\n" in value or "\r" in value:
            problems.append(f"{column}: перевод строки в ячейке не допускается")
    if ARTICLE_COLUMN in header:
        article = values[header.index(ARTICLE_COLUMN)]
        if not ARTICLE.fullmatch(article):
            problems.append(
                f"{ARTICLE_COLUMN}: артикул Комуса — только цифры, получено {article!r}"
            )
    if problems:
        raise ValidationFailed(problems)


def _path(registry: MappingRegistry, name: str) -> Path:
    if not TABLE_NAME.fullmatch(name):
        raise NotFound(f"no table {name!r}")
    registry.tables.refresh()
    found = registry.tables.files().get(name)
    if not found:
        raise NotFound(f"no table {name!r}")
    return found[0]


def _csv_path(registry: MappingRegistry, name: str) -> Path:
    path = _path(registry, name)
    if path.suffix != ".csv":
        raise TableNotEditable(
            f"{path.name} is a YAML table; edit the file itself so that its "
            "comments stay"
        )
    if len(registry.tables.files()[name]) > 1:
        raise TableNotEditable(f"table {name!r} is defined twice; keep one file")
    return path


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    text = path.read_bytes().decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader, [])]
    if not any(header):
        raise TableNotEditable(f"{path.name} has no header row naming its columns")
    lines = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, *[""] * (len(header) - len(cells))][: len(header)]
        lines.append((reader.line_num, cells))
    return header, lines, delimiter


def _replace(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    delimiter: str,
    registry: MappingRegistry,
) -> None:
    """Load the new text as the registry would, then swap it in beside the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    with tempfile.TemporaryDirectory(prefix="table-check-") as folder:
        candidate = Path(folder) / path.name
        candidate.write_text(text, encoding="utf-8")
        _, problems = load_table(candidate, registry.tables.display(path))
    if problems:
        raise ValidationFailed([str(p) for p in problems])

    mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
