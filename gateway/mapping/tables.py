"""Value tables: client item code → Komus article, units, warehouses, statuses.

A table is a file in ``mappings/tables/``: CSV (first row names the columns, the
first column is the key; ``,`` ``;`` or tab between cells, UTF-8) or YAML::

    kind: table
    name: komus_statuses
    key: code
    rows:
      - {code: "N", name: "Принят", status: submitted}

It is loaded once and indexed in a dict by its key, so a look-up costs the same in a
table of ten rows as in one of fifty thousand. Looking up by another column builds
that column's index on first use; where a value repeats there, the first row wins.
Every cell is text (or nothing): codes such as ``006`` keep their zeros.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gateway.errors import ConfigProblem
from gateway.mapping import yamltree
from gateway.mapping.suggest import hint

log = structlog.get_logger(__name__)

TABLE_SUFFIXES = (".csv", ".yaml", ".yml")
TABLE_KEYS = ("kind", "name", "description", "key", "rows")

Row = dict[str, str | None]


@dataclass
class Table:
    name: str
    file: str
    key: str
    columns: tuple[str, ...]
    rows: dict[str, Row]
    digest: str
    lines: dict[str, int] = field(default_factory=dict, repr=False)
    _indexes: dict[str, dict[str, Row]] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, value: str, by: str | None = None) -> Row | None:
        """The row whose ``by`` column (the key by default) equals ``value``."""
        if by is None or by == self.key:
            return self.rows.get(value)
        index = self._indexes.get(by)
        if index is None:
            index = self._index(by)
        return index.get(value)

    def _index(self, column: str) -> dict[str, Row]:
        with self._guard:
            if column not in self._indexes:
                index: dict[str, Row] = {}
                for row in self.rows.values():
                    cell = row.get(column)
                    if cell is not None and cell not in index:
                        index[cell] = row
                self._indexes[column] = index
            return self._indexes[column]


def load_table(path: Path, file: str) -> tuple[Table | None, list[ConfigProblem]]:
    """Read one table; a table with any problem is not used (``None``)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [ConfigProblem(file, 1, 1, "", f"cannot read: {error}")]
    text, problems = yamltree.decode(data, file)
    if text is None:
        return None, problems
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix == ".csv":
        table, problems = _from_csv(text, path.stem, file, digest)
    else:
        table, problems = _from_yaml(text, path.stem, file, digest)
    return (None if problems else table), problems


def _from_csv(
    text: str, name: str, file: str, digest: str
) -> tuple[Table | None, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        return None, [
            ConfigProblem(file, 1, 1, "", "empty table: the first row names columns")
        ]
    columns = tuple(cell.strip() for cell in header)
    for number, column in enumerate(columns, start=1):
        if not column:
            problems.append(
                ConfigProblem(file, 1, 1, "", f"column {number} has no name")
            )
        elif columns.index(column) != number - 1:
            problems.append(
                ConfigProblem(file, 1, 1, column, "this column name is used twice")
            )
    key = columns[0]
    rows: dict[str, Row] = {}
    lines: dict[str, int] = {}
    width = len(columns)
    for cells in reader:
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != width:
            problems.append(
                ConfigProblem(
                    file,
                    line,
                    1,
                    "",
                    f"{len(cells)} cells, but the header names {width} columns "
                    f"(separator {delimiter!r})",
                )
            )
            continue
        row = {c: (v.strip() or None) for c, v in zip(columns, cells, strict=True)}
        _add(row, key, line, 1, name, file, rows, lines, problems)
    return Table(name, file, key, columns, rows, digest, lines), problems


def _from_yaml(
    text: str, name: str, file: str, digest: str
) -> tuple[Table | None, list[ConfigProblem]]:
    tree, problems = yamltree.parse(text, file)
    if problems:
        return None, problems
    if not isinstance(tree, CommentedMap):
        return None, [
            ConfigProblem(file, 1, 1, "", "a YAML table is a mapping: kind: table, …")
        ]
    for key in tree:
        if key not in TABLE_KEYS:
            line, column = yamltree.key_position(tree, key)
            problems.append(
                ConfigProblem(
                    file, line, column, str(key), "unknown key" + hint(key, TABLE_KEYS)
                )
            )
    if tree.get("kind") != "table":
        line, column = _at(tree, "kind")
        problems.append(
            ConfigProblem(file, line, column, "kind", "a value table says kind: table")
        )
    key = tree.get("key")
    if not isinstance(key, str) or not key:
        line, column = _at(tree, "key")
        problems.append(
            ConfigProblem(
                file, line, column, "key", "name the column that is the key: key: code"
            )
        )
        return None, problems
    raw_rows = tree.get("rows")
    if not isinstance(raw_rows, CommentedSeq):
        line, column = _at(tree, "rows")
        problems.append(
            ConfigProblem(file, line, column, "rows", "rows is a list of mappings")
        )
        return None, problems
    columns: list[str] = [key]
    rows: dict[str, Row] = {}
    lines: dict[str, int] = {}
    for index, raw in enumerate(raw_rows):
        line, column = yamltree.item_position(raw_rows, index)
        where = f"rows[{index}]"
        if not isinstance(raw, CommentedMap):
            problems.append(
                ConfigProblem(file, line, column, where, "a row is a mapping")
            )
            continue
        row: Row = {}
        for cell_name, cell in raw.items():
            if isinstance(cell, CommentedMap | CommentedSeq):
                cell_line, cell_column = yamltree.value_position(raw, cell_name)
                problems.append(
                    ConfigProblem(
                        file,
                        cell_line,
                        cell_column,
                        f"{where}.{cell_name}",
                        "a cell holds one value, not a list or a mapping",
                    )
                )
                continue
            row[str(cell_name)] = None if cell is None else str(cell).strip() or None
            if cell_name not in columns:
                columns.append(str(cell_name))
        _add(row, key, line, column, name, file, rows, lines, problems, where)
    problems.extend(_stray_columns(raw_rows, columns, file))
    for row in rows.values():
        for column_name in columns:
            row.setdefault(column_name, None)
    return Table(name, file, key, tuple(columns), rows, digest, lines), problems


def _stray_columns(
    raw_rows: CommentedSeq, columns: list[str], file: str
) -> list[ConfigProblem]:
    """A column only one row has, with no value: text with an unquoted comma.

    In ``{text: Принят, требует уточнения}`` YAML reads the part after the comma
    as a second key; the row silently loses half its text.
    """
    if len(raw_rows) < 2:
        return []
    problems = []
    for column in columns:
        holders = [
            raw for raw in raw_rows if isinstance(raw, CommentedMap) and column in raw
        ]
        if len(holders) == 1 and holders[0][column] is None:
            line, position = yamltree.key_position(holders[0], column)
            problems.append(
                ConfigProblem(
                    file,
                    line,
                    position,
                    column,
                    "only this row has this column, and it is empty: is it text "
                    'after an unquoted comma? Quote the value: text: "a, b"',
                )
            )
    return problems


def _add(
    row: Row,
    key: str,
    line: int,
    column: int,
    name: str,
    file: str,
    rows: dict[str, Row],
    lines: dict[str, int],
    problems: list[ConfigProblem],
    where: str = "",
) -> None:
    value = row.get(key)
    if value is None:
        problems.append(
            ConfigProblem(
                file, line, column, where or key, f"the row has no {key!r} (the key)"
            )
        )
        return
    if value in rows:
        problems.append(
            ConfigProblem(
                file,
                line,
                column,
                where or key,
                f"duplicate key {value!r} in table {name!r}: it is on line "
                f"{lines[value]} and on line {line}; keep one of them",
            )
        )
        return
    rows[value] = row
    lines[value] = line


def _at(tree: CommentedMap, key: str) -> tuple[int, int]:
    if key in tree:
        return yamltree.value_position(tree, key)
    return yamltree.start_position(tree)


class TableStore:
    """Every table of a mappings directory, each loaded once and reloaded on change."""

    def __init__(self, directory: Path, display_root: str | None = None):
        self.directory = directory
        self.display_root = display_root or directory.resolve().name
        self._tables: dict[str, Table] = {}
        self._problems: dict[str, list[ConfigProblem]] = {}
        self._signatures: dict[str, tuple[int, int, str]] = {}
        self._guard = threading.Lock()

    @property
    def folder(self) -> Path:
        return self.directory / "tables"

    def files(self) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        if self.folder.is_dir():
            for path in sorted(self.folder.iterdir()):
                if path.is_file() and path.suffix in TABLE_SUFFIXES:
                    found.setdefault(path.stem, []).append(path)
        return found

    def refresh(self) -> set[str]:
        """Load new and changed tables, forget removed ones; the names that changed."""
        with self._guard:
            changed: set[str] = set()
            files = self.files()
            for name in set(self._signatures) - set(files):
                self._tables.pop(name, None)
                self._problems.pop(name, None)
                del self._signatures[name]
                changed.add(name)
            for name, paths in files.items():
                if len(paths) > 1:
                    shown = ", ".join(p.name for p in paths)
                    self._problems[name] = [
                        ConfigProblem(
                            self.display(paths[1]),
                            1,
                            1,
                            "",
                            f"table {name!r} is defined twice ({shown}); keep one",
                        )
                    ]
                    self._tables.pop(name, None)
                    self._signatures[name] = (0, 0, shown)
                    changed.add(name)
                    continue
                path = paths[0]
                stat = path.stat()
                signature = (stat.st_mtime_ns, stat.st_size, path.name)
                if self._signatures.get(name) == signature:
                    continue
                table, problems = load_table(path, self.display(path))
                self._signatures[name] = signature
                self._problems[name] = problems
                if table is None:
                    self._tables.pop(name, None)
                else:
                    self._tables[name] = table
                    log.debug("table_loaded", table=name, rows=len(table))
                changed.add(name)
            return changed

    def display(self, path: Path) -> str:
        return f"{self.display_root}/{path.relative_to(self.directory).as_posix()}"

    def get(self, name: str) -> Table | None:
        return self._tables.get(name)

    def names(self) -> list[str]:
        return sorted(self._signatures)

    def is_broken(self, name: str) -> bool:
        return bool(self._problems.get(name))

    def problems(self) -> list[ConfigProblem]:
        return [p for name in sorted(self._problems) for p in self._problems[name]]

    def problems_of(self, name: str) -> list[ConfigProblem]:
        return list(self._problems.get(name, []))
