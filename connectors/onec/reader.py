"""CommerceML documents (the 1C ⇄ site exchange): orders as source records.

Reads every ``Документ`` whose ``ХозОперация`` is «Заказ товара», from CommerceML
2.03 to 3.1: with or without the ``urn:1C.ru:commerceml_*`` namespace (names are
matched by their local part), wrapped in ``Контейнер`` (3.1) or not, in any encoding
the XML declaration names (windows-1251, UTF-8 with or without a BOM). Producers do
not keep the XSD's element order, so nothing here depends on it. ``iter_documents``
reads every ``Документ`` whatever its operation, with its ``ПодчиненныеДокументы``:
that is how the gateway's own ``query`` answers read back. Files of other kinds
(catalogue, offers, counterparties) are recognised by ``survey.py``.

The parse streams (``iterparse``; each document is dropped once read) and is
locked down: no DTD (a ``DOCTYPE`` is refused), no entity expansion, no network,
no huge-tree mode, a size cap and a depth cap.

Each order becomes a ``SourceRecord``:

* ``external_id`` is ``Ид``, ``revision`` is ``НомерВерсии`` as 1C wrote it
  (empty when absent; ``revisions.py`` turns it into a comparable number);
* ``fields`` holds the header under neutral names (``number``, ``date``,
  ``number_1c``, ``deletion_mark``, ``counterparty``, ``warehouse``, ``taxes``,
  ``has_goods``, …) and the raw ``ЗначенияРеквизитов`` as ``requisites``;
* ``lines`` holds one dict per ``Товар`` (``id``, ``article``, ``komus_article``,
  ``name``, ``unit`` with ``code`` = ОКЕИ and ``international``, ``quantity``,
  ``price`` from ``ЦенаЗаЕдиницу`` or ``Цена``, ``factor``, ``amount``,
  ``vat_rate``, ``requisites``, …);
* ``payload`` is the order's own ``Документ`` element as UTF-8 XML, which this
  reader reads back the same way, so a stored record can be replayed.

Values stay text exactly as 1C wrote them, only trimmed (1C pads codes: ``"796 "``),
and 1C's empty date (``T``) is no date; a mapping converts the rest (amounts with
a decimal comma or spaces between thousands, dates in either form).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import structlog
from lxml import etree

from gateway.errors import FinalError
from gateway.records import SourceRecord
from gateway.store.tables import Message

log = structlog.get_logger(__name__)

ROOT = "КоммерческаяИнформация"
CONTAINER = "Контейнер"
DOCUMENT = "Документ"
ORDER_OPERATION = "Заказ товара"
BUYER_ROLE = "Покупатель"
VAT_NAMES = frozenset({"ндс", "vat"})
SUPPLIER_ARTICLE = "Артикул поставщика"
KOMUS_ARTICLE = re.compile(r"[0-9]{1,12}")

MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 40
_READ_CHUNK = 64 * 1024


class CommerceMLError(FinalError):
    """The file is not a CommerceML document this reader can take."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH


SAFE_PARSING: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}
"""``iterparse`` options every CommerceML read uses: no DTD, entities or network."""


@dataclass
class CommerceMLDocument:
    """A ``Документ`` of any kind, with the header fields an order record has."""

    operation: str | None
    id: str | None
    number: str | None
    fields: dict[str, Any]
    lines: list[dict[str, Any]]
    subordinates: list[CommerceMLDocument] = field(default_factory=list)
    container: int | None = None

    @property
    def requisites(self) -> dict[str, Any]:
        return self.fields["requisites"]


def read_orders(
    payload: bytes,
    *,
    tenant_id: str = "",
    channel: str = "onec",
    filename: str | None = None,
    limits: Limits = Limits(),
) -> list[SourceRecord]:
    """Every order in a CommerceML file (or a single stored ``Документ``)."""
    return list(
        iter_orders(
            payload,
            tenant_id=tenant_id,
            channel=channel,
            filename=filename,
            limits=limits,
        )
    )


def read_message(message: Message) -> list[SourceRecord]:
    """The reader the pipeline replays stored 1C messages with."""
    return read_orders(
        message.payload,
        tenant_id=message.tenant_id,
        channel=message.channel,
        filename=message.filename,
    )


def iter_orders(
    source: bytes | BinaryIO,
    *,
    tenant_id: str = "",
    channel: str = "onec",
    filename: str | None = None,
    limits: Limits = Limits(),
) -> Iterator[SourceRecord]:
    """Orders one at a time, holding one document in memory, not the whole file."""
    for root, document, _ in _documents(source, limits, filename):
        record = _record(document, root, tenant_id, channel, filename)
        if record is not None:
            yield record


def iter_documents(
    source: bytes | BinaryIO,
    *,
    filename: str | None = None,
    limits: Limits = Limits(),
) -> Iterator[CommerceMLDocument]:
    """Every ``Документ`` whatever its ``ХозОперация``: orders, invoices, payments.

    This is how the gateway's own ``mode=query`` answers read back: the order with
    its status requisites, and the documents issued for it either beside it, in
    its ``Контейнер`` (3.1) or as its ``ПодчиненныеДокументы`` (2.10).
    """
    for root, document, container in _documents(source, limits, filename):
        yield _document(document, root, container)


def _documents(
    source: bytes | BinaryIO, limits: Limits, filename: str | None
) -> Iterator[tuple[dict[str, str], Any, int | None]]:
    """(root attributes, top-level ``Документ``, its ``Контейнер`` number) triples.

    A document is dropped from the tree as soon as the caller asks for the next
    one, so memory holds one document, never the file.
    """
    if isinstance(source, bytes):
        if len(source) > limits.max_bytes:
            raise CommerceMLError(
                f"{filename or 'the file'} is {len(source)} bytes; "
                f"the limit is {limits.max_bytes}"
            )
        stream: Any = io.BytesIO(source)
    else:
        stream = CappedStream(source, limits.max_bytes, filename)
    events = etree.iterparse(stream, events=("start", "end"), **SAFE_PARSING)
    root_attributes: dict[str, str] = {}
    depth = 0
    containers = 0
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth > limits.max_depth:
                    raise CommerceMLError(
                        f"elements nest deeper than {limits.max_depth} levels"
                    )
                if depth == 1:
                    root_attributes = _open_root(element)
                elif depth == 2 and local_tag(element) == CONTAINER:
                    containers += 1
                continue
            depth -= 1
            name = local_tag(element)
            parent = element.getparent()
            in_container = parent is not None and local_tag(parent) == CONTAINER
            top_level = parent is None or in_container or local_tag(parent) == ROOT
            if name == DOCUMENT and top_level:
                yield root_attributes, element, containers if in_container else None
            if top_level and parent is not None:
                element.clear()
                parent.remove(element)
    except etree.XMLSyntaxError as error:
        raise CommerceMLError(f"not well-formed XML: {error}") from error


class CappedStream:
    """A stream that refuses to yield more than ``limit`` bytes."""

    def __init__(self, stream: BinaryIO, limit: int, filename: str | None):
        self.stream = stream
        self.limit = limit
        self.filename = filename
        self.seen = 0

    def read(self, size: int = _READ_CHUNK) -> bytes:
        data = self.stream.read(size if size and size > 0 else _READ_CHUNK)
        self.seen += len(data)
        if self.seen > self.limit:
            raise CommerceMLError(
                f"{self.filename or 'the file'} is over the {self.limit}-byte limit"
            )
        return data


def _open_root(element: Any) -> dict[str, str]:
    if element.getroottree().docinfo.doctype:
        raise CommerceMLError("a DOCTYPE is not allowed in a CommerceML file")
    name = local_tag(element)
    if name not in (ROOT, DOCUMENT):
        raise CommerceMLError(
            f"not a CommerceML document: the root is <{name}>, expected <{ROOT}>"
        )
    return {attribute_name(key): value for key, value in element.attrib.items()}


# -- one document --------------------------------------------------------------------


def _record(
    document: Any,
    root: dict[str, str],
    tenant_id: str,
    channel: str,
    filename: str | None,
) -> SourceRecord | None:
    parts = _children(document)
    operation = _text(parts.get("ХозОперация"))
    number = _text(parts.get("Номер"))
    if operation != ORDER_OPERATION:
        log.debug("commerceml_document_skipped", operation=operation, number=number)
        return None
    external_id = _text(parts.get("Ид"))
    if external_id is None:
        raise CommerceMLError(f"order {number or '(no Номер)'} has no Ид")
    fields = _header(parts, root)
    lines = [_line(item) for item in _each(parts.get("Товары"))]
    # НомерВерсии stays 1C's opaque text here; connectors/onec/revisions.py turns
    # it into the order the pipeline compares revisions in.
    return SourceRecord(
        tenant_id=tenant_id,
        channel=channel,
        external_id=external_id,
        payload=etree.tostring(document, encoding="utf-8", xml_declaration=True),
        revision=fields["version"] or "",
        kind="requisition",
        content_type="application/xml",
        filename=filename,
        fields=fields,
        lines=lines,
    )


def _document(
    document: Any, root: dict[str, str], container: int | None
) -> CommerceMLDocument:
    parts = _children(document)
    subordinates = [
        _document(item, root, container)
        for item in _each(parts.get("ПодчиненныеДокументы"))
        if local_tag(item) == "ПодчиненныйДокумент"
    ]
    fields = _header(parts, root)
    return CommerceMLDocument(
        operation=fields["operation"],
        id=fields["id"],
        number=fields["number"],
        fields=fields,
        lines=[_line(item) for item in _each(parts.get("Товары"))],
        subordinates=subordinates,
        container=container,
    )


def _header(parts: dict[str, Any], root: dict[str, str]) -> dict[str, Any]:
    counterparties = [_counterparty(c) for c in _each(parts.get("Контрагенты"))]
    warehouses = [_warehouse(w) for w in _each(parts.get("Склады"))]
    return {
        "id": _text(parts.get("Ид")),
        "number": _text(parts.get("Номер")),
        "date": _date(parts.get("Дата")),
        "time": _text(parts.get("Время")),
        "operation": _text(parts.get("ХозОперация")),
        "role": _text(parts.get("Роль")),
        "currency": _text(parts.get("Валюта")),
        "exchange_rate": _text(parts.get("Курс")),
        "total": _text(parts.get("Сумма")),
        "version": _text(parts.get("НомерВерсии")),
        "deletion_mark": _text(parts.get("ПометкаУдаления")),
        "number_1c": _text(parts.get("Номер1С")),
        "date_1c": _date(parts.get("Дата1С")),
        "comment": _text(parts.get("Комментарий")),
        "schema_version": root.get("ВерсияСхемы"),
        "generated_at": root.get("ДатаФормирования"),
        "counterparty": _buyer(counterparties),
        "counterparties": counterparties,
        "warehouse": warehouses[0] if warehouses else None,
        "warehouses": warehouses,
        "taxes": [_tax(t) for t in _each(parts.get("Налоги"))],
        "requisites": _requisites(parts.get("ЗначенияРеквизитов")),
        "has_goods": "Товары" in parts,
    }


def _line(item: Any) -> dict[str, Any]:
    parts = _children(item)
    tax_rates = [
        {"name": _text(_child(r, "Наименование")), "rate": _text(_child(r, "Ставка"))}
        for r in _each(parts.get("СтавкиНалогов"))
    ]
    taxes = [_tax(t) for t in _each(parts.get("Налоги"))]
    requisites = _requisites(parts.get("ЗначенияРеквизитов"))
    article = _text(parts.get("Артикул"))
    return {
        "id": _text(parts.get("Ид")),
        "catalog_id": _text(parts.get("ИдКаталога")),
        "article": article,
        "barcode": _text(parts.get("Штрихкод")),
        "name": _text(parts.get("Наименование")),
        "unit": _unit(parts),
        "quantity": _text(parts.get("Количество")),
        "price": _text(parts.get("ЦенаЗаЕдиницу")) or _text(parts.get("Цена")),
        "amount": _text(parts.get("Сумма")),
        "factor": _text(parts.get("Коэффициент")),
        "vat_rate": _vat_rate(tax_rates, taxes),
        "tax_rates": tax_rates,
        "taxes": taxes,
        "discounts": [_discount(d) for d in _each(parts.get("Скидки"))],
        "requisites": requisites,
        "komus_article": _komus_article(article, requisites),
        "characteristics": _requisites(parts.get("ХарактеристикиТовара")),
    }


def _komus_article(article: str | None, requisites: dict[str, Any]) -> str | None:
    """A Komus article number 1C wrote itself: ``Артикул`` or «Артикул поставщика».

    Komus articles are 1 to 12 digits; anything else is the client's own code.
    """
    for candidate in (article, requisites.get(SUPPLIER_ARTICLE)):
        if isinstance(candidate, str) and KOMUS_ARTICLE.fullmatch(candidate):
            return candidate
    return None


def _unit(parts: dict[str, Any]) -> dict[str, str | None]:
    """``БазоваяЕдиница`` (code in attributes, short name as text) or ``Единица``."""
    base = parts.get("БазоваяЕдиница")
    if base is not None:
        return {
            "code": _clean(base.get("Код")),
            "name": _text(base),
            "full_name": _clean(base.get("НаименованиеПолное")),
            "international": _clean(base.get("МеждународноеСокращение")),
        }
    unit = parts.get("Единица")
    if unit is not None:
        inner = _children(unit)
        return {
            "code": _text(inner.get("Код")) or _text(inner.get("Ид")),
            "name": _text(inner.get("НаименованиеКраткое")),
            "full_name": _text(inner.get("НаименованиеПолное")),
            "international": _text(inner.get("МеждународноеСокращение")),
        }
    return {"code": None, "name": None, "full_name": None, "international": None}


def _vat_rate(
    tax_rates: list[dict[str, str | None]], taxes: list[dict[str, str | None]]
) -> str | None:
    for entry in (*tax_rates, *taxes):
        if (entry.get("name") or "").casefold() in VAT_NAMES and entry.get("rate"):
            return entry["rate"]
    return None


def _counterparty(element: Any) -> dict[str, Any]:
    parts = _children(element)
    address = next(
        (
            _text(_child(parts[name], "Представление"))
            for name in ("Адрес", "ЮридическийАдрес", "АдресРегистрации")
            if name in parts
        ),
        None,
    )
    return {
        "id": _text(parts.get("Ид")),
        "name": _text(parts.get("Наименование")),
        "full_name": _text(parts.get("ПолноеНаименование")),
        "official_name": _text(parts.get("ОфициальноеНаименование")),
        "role": _text(parts.get("Роль")),
        "inn": _text(parts.get("ИНН")),
        "kpp": _text(parts.get("КПП")),
        "address": address,
        "contacts": {
            _text(_child(c, "Тип")) or "": _text(_child(c, "Значение"))
            for c in _each(parts.get("Контакты"))
        },
    }


def _buyer(counterparties: list[dict[str, Any]]) -> dict[str, Any] | None:
    for counterparty in counterparties:
        if counterparty["role"] == BUYER_ROLE:
            return counterparty
    return counterparties[0] if counterparties else None


def _warehouse(element: Any) -> dict[str, str | None]:
    parts = _children(element)
    return {"id": _text(parts.get("Ид")), "name": _text(parts.get("Наименование"))}


def _tax(element: Any) -> dict[str, str | None]:
    parts = _children(element)
    return {
        "name": _text(parts.get("Наименование")),
        "included": _text(parts.get("УчтеноВСумме")),
        "amount": _text(parts.get("Сумма")),
        "rate": _text(parts.get("Ставка")),
    }


def _discount(element: Any) -> dict[str, str | None]:
    parts = _children(element)
    return {
        "name": _text(parts.get("Наименование")),
        "amount": _text(parts.get("Сумма")),
        "percent": _text(parts.get("Процент")),
        "included": _text(parts.get("УчтеноВСумме")),
    }


def _requisites(element: Any) -> dict[str, Any]:
    """``ЗначенияРеквизитов`` (or ``ХарактеристикиТовара``) as name → value.

    A requisite with several ``Значение`` gives a list; the first of a repeated
    name wins.
    """
    found: dict[str, Any] = {}
    for entry in _each(element):
        name = None
        values: list[str | None] = []
        for part in entry:
            local = local_tag(part)
            if local == "Наименование":
                name = _text(part)
            elif local == "Значение":
                values.append(_text(part))
        if name is None or name in found:
            continue
        found[name] = values[0] if len(values) == 1 else (values or None)
    return found


# -- small XML helpers ---------------------------------------------------------------


def local_tag(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if tag[0] == "{" else tag


def attribute_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _children(element: Any) -> dict[str, Any]:
    """Children by local name; the first of a repeated name wins."""
    found: dict[str, Any] = {}
    for child in element:
        found.setdefault(local_tag(child), child)
    return found


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    for child in element:
        if local_tag(child) == name:
            return child
    return None


def _each(element: Any) -> list[Any]:
    return [] if element is None else list(element)


def _text(element: Any) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _date(element: Any) -> str | None:
    """A date as written; 1C's empty date (``T``, ``0001-01-01``) is no date."""
    text = _text(element)
    if text is None or text == "T" or text.startswith("0001-01-01"):
        return None
    return text


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None
