"""CommerceML order documents (the 1C ⇄ site exchange) as source records.

Reads every ``Документ`` whose ``ХозОперация`` is «Заказ товара», from CommerceML
2.03 to 3.1: with or without the ``urn:1C.ru:commerceml_*`` namespace (names are
matched by their local part), wrapped in ``Контейнер`` (3.1) or not, in any encoding
the XML declaration names (windows-1251, UTF-8 with or without a BOM). Producers do
not keep the XSD's element order, so nothing here depends on it.

The parse streams (``iterparse``; each document is dropped once read) and is
locked down: no DTD (a ``DOCTYPE`` is refused), no entity expansion, no network,
no huge-tree mode, a size cap and a depth cap.

Each order becomes a ``SourceRecord``:

* ``external_id`` is ``Ид``, ``revision`` is ``НомерВерсии`` (empty when absent);
* ``fields`` holds the header under neutral names (``number``, ``date``,
  ``number_1c``, ``deletion_mark``, ``counterparty``, ``warehouse``, ``taxes``, …)
  and the raw ``ЗначенияРеквизитов`` as ``requisites`` (name → value);
* ``lines`` holds one dict per ``Товар`` (``id``, ``article``, ``name``, ``unit``
  with ``code`` = ОКЕИ and ``international``, ``quantity``, ``price``, ``amount``,
  ``vat_rate``, ``requisites``, …);
* ``payload`` is the order's own ``Документ`` element as UTF-8 XML, which this
  reader reads back the same way, so a stored record can be replayed.

Values stay text exactly as 1C wrote them, only trimmed (1C pads codes: ``"796 "``);
a mapping converts them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
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

MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 40
_READ_CHUNK = 64 * 1024


class CommerceMLError(FinalError):
    """The file is not a CommerceML document this reader can take."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH


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
    if isinstance(source, bytes):
        if len(source) > limits.max_bytes:
            raise CommerceMLError(
                f"{filename or 'the file'} is {len(source)} bytes; "
                f"the limit is {limits.max_bytes}"
            )
        stream: Any = io.BytesIO(source)
    else:
        stream = _Capped(source, limits.max_bytes, filename)
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    root_attributes: dict[str, str] = {}
    depth = 0
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
                continue
            depth -= 1
            name = _local(element)
            parent = element.getparent()
            top_level = parent is None or _local(parent) in (ROOT, CONTAINER)
            if name == DOCUMENT and top_level:
                record = _record(element, root_attributes, tenant_id, channel, filename)
                if record is not None:
                    yield record
            if top_level and parent is not None:
                element.clear()
                parent.remove(element)
    except etree.XMLSyntaxError as error:
        raise CommerceMLError(f"not well-formed XML: {error}") from error


class _Capped:
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
    name = _local(element)
    if name not in (ROOT, DOCUMENT):
        raise CommerceMLError(
            f"not a CommerceML document: the root is <{name}>, expected <{ROOT}>"
        )
    return {_local_name(key): value for key, value in element.attrib.items()}


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
    counterparties = [_counterparty(c) for c in _each(parts.get("Контрагенты"))]
    warehouses = [_warehouse(w) for w in _each(parts.get("Склады"))]
    version = _text(parts.get("НомерВерсии"))
    fields = {
        "id": external_id,
        "number": number,
        "date": _text(parts.get("Дата")),
        "time": _text(parts.get("Время")),
        "operation": operation,
        "role": _text(parts.get("Роль")),
        "currency": _text(parts.get("Валюта")),
        "exchange_rate": _text(parts.get("Курс")),
        "total": _text(parts.get("Сумма")),
        "version": version,
        "deletion_mark": _text(parts.get("ПометкаУдаления")),
        "number_1c": _text(parts.get("Номер1С")),
        "date_1c": _text(parts.get("Дата1С")),
        "comment": _text(parts.get("Комментарий")),
        "schema_version": root.get("ВерсияСхемы"),
        "generated_at": root.get("ДатаФормирования"),
        "counterparty": _buyer(counterparties),
        "counterparties": counterparties,
        "warehouse": warehouses[0] if warehouses else None,
        "warehouses": warehouses,
        "taxes": [_tax(t) for t in _each(parts.get("Налоги"))],
        "requisites": _requisites(parts.get("ЗначенияРеквизитов")),
    }
    lines = [_line(item) for item in _each(parts.get("Товары"))]
    # TODO(onec-revision): НомерВерсии is 1C's opaque base64 version; the pipeline
    # orders revisions as text, which need not follow 1C's order. Decode it (or
    # order by arrival) when the 1C exchange connector lands.
    return SourceRecord(
        tenant_id=tenant_id,
        channel=channel,
        external_id=external_id,
        payload=etree.tostring(document, encoding="utf-8", xml_declaration=True),
        revision=version or "",
        kind="requisition",
        content_type="application/xml",
        filename=filename,
        fields=fields,
        lines=lines,
    )


def _line(item: Any) -> dict[str, Any]:
    parts = _children(item)
    tax_rates = [
        {"name": _text(_child(r, "Наименование")), "rate": _text(_child(r, "Ставка"))}
        for r in _each(parts.get("СтавкиНалогов"))
    ]
    taxes = [_tax(t) for t in _each(parts.get("Налоги"))]
    return {
        "id": _text(parts.get("Ид")),
        "catalog_id": _text(parts.get("ИдКаталога")),
        "article": _text(parts.get("Артикул")),
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
        "requisites": _requisites(parts.get("ЗначенияРеквизитов")),
        "characteristics": _requisites(parts.get("ХарактеристикиТовара")),
    }


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
            local = _local(part)
            if local == "Наименование":
                name = _text(part)
            elif local == "Значение":
                values.append(_text(part))
        if name is None or name in found:
            continue
        found[name] = values[0] if len(values) == 1 else (values or None)
    return found


# -- small XML helpers ---------------------------------------------------------------


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if tag[0] == "{" else tag


def _local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _children(element: Any) -> dict[str, Any]:
    """Children by local name; the first of a repeated name wins."""
    found: dict[str, Any] = {}
    for child in element:
        found.setdefault(_local(child), child)
    return found


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    for child in element:
        if _local(child) == name:
            return child
    return None


def _each(element: Any) -> list[Any]:
    return [] if element is None else list(element)


def _text(element: Any) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None
