"""What a CommerceML file holds, whatever its kind: a streaming element census.

Order files are read by ``reader.py``; the catalogue (``Классификатор``,
``Каталог``), offers (``ПакетПредложений``), counterparties (``Контрагенты``) and
documents of other operations only need to be recognised and counted, so that an
import can say what it got and refuse nothing it merely does not use. Every
element is dropped as soon as it is counted: memory stays flat on any size.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from lxml import etree

from connectors.onec.reader import (
    CONTAINER,
    DOCUMENT,
    ROOT,
    SAFE_PARSING,
    CappedStream,
    CommerceMLError,
    Limits,
    attribute_name,
    local_tag,
)

SECTIONS = {
    "Классификатор": "classifier",
    "Каталог": "catalog",
    "ПакетПредложений": "offers",
    "ИзмененияПакетаПредложений": "offer_changes",
    "Контрагенты": "counterparties",
}
"""Top-level sections by the kind they make a file."""

ITEMS = {
    ("Каталог", "Товары", "Товар"): "goods",
    ("ПакетПредложений", "Предложения", "Предложение"): "offers_items",
    ("Контрагенты", "Контрагент"): "counterparty_items",
    ("Классификатор", "Группы", "Группа"): "groups",
}
"""Items counted inside a section, by their path below the root."""


@dataclass
class Survey:
    """The root's attributes and how many of each kind of thing the file holds."""

    root: str
    schema_version: str | None
    generated_at: str | None
    counts: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)

    @property
    def kinds(self) -> list[str]:
        """``documents``, ``catalog``, ``offers``, …: what this file is."""
        found = [kind for kind in SECTIONS.values() if self.counts[kind]]
        if self.operations:
            found.insert(0, "documents")
        return found

    @property
    def orders(self) -> int:
        return self.operations["Заказ товара"]

    def describe(self) -> str:
        parts = [f"{count} × {name}" for name, count in self.operations.items()]
        parts += [
            f"{self.counts[key]} {key.replace('_items', '').replace('_', ' ')}"
            for key in ("goods", "offers_items", "counterparty_items", "groups")
            if self.counts[key]
        ]
        parts += [kind for kind in SECTIONS.values() if self.counts[kind]]
        return ", ".join(parts) or "nothing"


def survey(source: bytes | BinaryIO, *, limits: Limits = Limits()) -> Survey:
    """Count the sections, items and document operations of a CommerceML file."""
    if isinstance(source, bytes):
        stream: Any = _in_memory(source, limits)
    else:
        stream = CappedStream(source, limits.max_bytes, None)
    events = etree.iterparse(stream, events=("start", "end"), **SAFE_PARSING)
    path: list[str] = []
    found: Survey | None = None
    try:
        for event, element in events:
            if event == "start":
                path.append(local_tag(element))
                if len(path) > limits.max_depth:
                    raise CommerceMLError(
                        f"elements nest deeper than {limits.max_depth} levels"
                    )
                if len(path) == 1:
                    found = _root(element)
                continue
            assert found is not None
            _count(found, path, element)
            path.pop()
            if path:
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise CommerceMLError(f"not well-formed XML: {error}") from error
    if found is None:
        raise CommerceMLError("the file holds no XML element")
    return found


def _in_memory(source: bytes, limits: Limits) -> Any:
    if len(source) > limits.max_bytes:
        raise CommerceMLError(
            f"the file is {len(source)} bytes; the limit is {limits.max_bytes}"
        )
    return io.BytesIO(source)


def _root(element: Any) -> Survey:
    if element.getroottree().docinfo.doctype:
        raise CommerceMLError("a DOCTYPE is not allowed in a CommerceML file")
    name = local_tag(element)
    if name not in (ROOT, DOCUMENT):
        raise CommerceMLError(
            f"not a CommerceML document: the root is <{name}>, expected <{ROOT}>"
        )
    attributes = {attribute_name(k): v for k, v in element.attrib.items()}
    return Survey(
        root=name,
        schema_version=attributes.get("ВерсияСхемы"),
        generated_at=attributes.get("ДатаФормирования"),
    )


def _count(found: Survey, path: list[str], element: Any) -> None:
    below_root = tuple(path[1:])
    if len(below_root) == 1 and below_root[0] in SECTIONS:
        found.counts[SECTIONS[below_root[0]]] += 1
    elif below_root in ITEMS:
        found.counts[ITEMS[below_root]] += 1
    elif below_root == (CONTAINER,):
        found.counts["containers"] += 1
    if path[-1] == "ХозОперация" and _is_document(path[:-1]):
        found.operations[(element.text or "").strip() or "(no ХозОперация)"] += 1


def _is_document(path: list[str]) -> bool:
    """A top-level ``Документ``: under the root or in a 3.1 ``Контейнер``."""
    if not path or path[-1] != DOCUMENT:
        return False
    return len(path) == 1 or path[1:-1] in ([], [CONTAINER])
