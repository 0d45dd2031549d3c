"""``check_all``: every mapping file and table of a directory, every problem."""

from __future__ import annotations

from pathlib import Path

from gateway.errors import ConfigProblem
from gateway.mapping.loader import compile_file
from gateway.mapping.readers import reader_names
from gateway.mapping.tables import TableStore

NOT_MAPPINGS = ("tables", "tests")
"""Folders of a mappings directory that hold no mapping files."""

MAPPING_SUFFIXES = (".yaml", ".yml")


def mapping_files(directory: Path) -> list[Path]:
    """Mapping files: YAML anywhere under the directory but in tables/ and tests/."""
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix in MAPPING_SUFFIXES
        and path.is_file()
        and path.relative_to(directory).parts[0] not in NOT_MAPPINGS
    )


def check_all(directory: Path | str) -> list[ConfigProblem]:
    """Load every table and mapping; the problems, ordered by file and line."""
    directory = Path(directory)
    if not directory.is_dir():
        return [ConfigProblem(str(directory), 1, 1, "", "no such directory")]
    tables = TableStore(directory)
    tables.refresh()
    problems = tables.problems()
    readers = reader_names()
    for path in mapping_files(directory):
        _, found = compile_file(path, directory, tables, readers=readers)
        problems.extend(found)
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))
