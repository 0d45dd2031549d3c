"""CommerceML nomenclature files (``import.xml``, ``offers.xml``) as client items.

Reads what a client's 1C sends with ``type=catalog``: the ``Каталог`` of goods
(``Товар``), the ``ПакетПредложений`` of prices and stock (``Предложение``) and the
``Классификатор`` around them, from CommerceML 2.03 to 3.1, with or without the
``urn:1C.ru:commerceml_*`` namespace, in any encoding the XML declaration names. A
file of counterparties (``Контрагенты``) or of documents is recognised as such and
gives no items.

The parse streams and is locked down exactly as the order reader's is (no DTD, no
entities, no network, a size and a depth cap): each ``Товар`` and ``Предложение``
is dropped as soon as it has been read, so a catalog of any length holds one item
in memory at a time. What the file says about itself (its sections, ids, groups,
price types, warehouses, counts) is gathered in a ``CatalogFile`` while items are
yielded.

Values stay text as 1C wrote them, trimmed; codes are compared as strings.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import structlog
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

log = structlog.get_logger(__name__)

CATALOG_LIMITS = Limits(max_bytes=200 * 1024 * 1024)
"""A client's whole nomenclature in one file can be far larger than an order."""

CLASSIFIER = "Классификатор"
CATALOG = "Каталог"
OFFERS = "ПакетПредложений"
OFFER_CHANGES = "ИзмененияПакетаПредложений"
COUNTERPARTIES = "Контрагенты"
SECTIONS = (CLASSIFIER, CATALOG, OFFERS, OFFER_CHANGES, COUNTERPARTIES)

SERVICE = "Услуга"
DELETED_STATUS = "Удален"
BARCODE_REQUISITES = ("Штрихкод", "Штрихкоды")
FULL_NAME_REQUISITE = "Полное наименование"
VAT_NAMES = frozenset({"ндс", "vat"})
_BARCODE_SEPARATORS = str.maketrans({",": " ", ";": " "})


@dataclass
class Unit:
    code: str | None = None
    name: str | None = None
    full_name: str | None = None
    international: str | None = None


@dataclass
class Price:
    price_type_id: str | None
    amount: str | None
    currency: str | None = None
    unit: str | None = None


@dataclass
class ClientItem:
    """One ``Товар`` or ``Предложение`` as the client's 1C describes it."""

    id: str
    source: str  # "Товар" or "Предложение"
    name: str | None = None
    full_name: str | None = None
    article: str | None = None
    barcodes: tuple[str, ...] = ()
    unit: Unit = field(default_factory=Unit)
    groups: tuple[str, ...] = ()
    vat_rate: str | None = None
    kind: str | None = None  # ТипНоменклатуры: Товар, Услуга
    deleted: bool = False
    prices: list[Price] = field(default_factory=list)
    quantity: str | None = None

    @property
    def is_service(self) -> bool:
        return self.kind == SERVICE

    def merge(self, other: ClientItem) -> None:
        """Fill what this description lacks from another one of the same item."""
        self.name = self.name or other.name
        self.full_name = self.full_name or other.full_name
        self.article = self.article or other.article
        self.barcodes = tuple(dict.fromkeys((*self.barcodes, *other.barcodes)))
        self.groups = self.groups or other.groups
        self.vat_rate = self.vat_rate or other.vat_rate
        self.kind = self.kind or other.kind
        self.deleted = self.deleted or other.deleted
        self.prices = self.prices or other.prices
        self.quantity = self.quantity or other.quantity
        if self.unit.code is None:
            self.unit = other.unit


@dataclass
class Group:
    id: str
    name: str | None
    parent_id: str | None = None


@dataclass
class CatalogFile:
    """What a nomenclature file says about itself, filled in while it is read."""

    filename: str | None = None
    schema_version: str | None = None
    generated_at: str | None = None
    sections: list[str] = field(default_factory=list)
    classifier_id: str | None = None
    catalog_id: str | None = None
    package_id: str | None = None
    only_changes: bool | None = None
    groups: dict[str, Group] = field(default_factory=dict)
    price_types: dict[str, str | None] = field(default_factory=dict)
    warehouses: dict[str, str | None] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    goods: int = 0
    offers: int = 0
    counterparties: int = 0
    documents: int = 0
    items: list[ClientItem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``catalog``, ``offers``, ``classifier``, ``counterparties``, ``documents``
        or ``empty``: what the file is for, by the first section that decides it."""
        if CATALOG in self.sections:
            return "catalog"
        if OFFERS in self.sections or OFFER_CHANGES in self.sections:
            return "offers"
        if COUNTERPARTIES in self.sections:
            return "counterparties"
        if self.documents:
            return "documents"
        if CLASSIFIER in self.sections:
            return "classifier"
        return "empty"


def read_catalog(
    payload: bytes, *, filename: str | None = None, limits: Limits = CATALOG_LIMITS
) -> CatalogFile:
    """A whole file: its description and every item in it."""
    summary = CatalogFile(filename=filename)
    summary.items = list(iter_items(payload, summary, limits=limits))
    return summary


def iter_items(
    source: bytes | BinaryIO,
    summary: CatalogFile | None = None,
    *,
    limits: Limits = CATALOG_LIMITS,
) -> Iterator[ClientItem]:
    """Items one at a time; ``summary`` collects the rest of the file meanwhile."""
    summary = summary if summary is not None else CatalogFile()
    name = summary.filename
    if isinstance(source, bytes):
        if len(source) > limits.max_bytes:
            raise CommerceMLError(
                f"{name or 'the file'} is {len(source)} bytes; "
                f"the limit is {limits.max_bytes}"
            )
        stream: Any = io.BytesIO(source)
    else:
        stream = CappedStream(source, limits.max_bytes, name)
    events = etree.iterparse(stream, events=("start", "end"), **SAFE_PARSING)
    depth = 0
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth > limits.max_depth:
                    raise CommerceMLError(
                        f"elements nest deeper than {limits.max_depth} levels"
                    )
                _started(element, depth, summary)
                continue
            depth -= 1
            item = _ended(element, summary)
            if item is not None:
                yield item
    except etree.XMLSyntaxError as error:
        raise CommerceMLError(f"not well-formed XML: {error}") from error
    log.debug(
        "commerceml_catalog_read",
        filename=name,
        kind=summary.kind,
        goods=summary.goods,
        offers=summary.offers,
    )


# -- events ------------------------------------------------------------------------


def _started(element: Any, depth: int, summary: CatalogFile) -> None:
    if depth == 1:
        attributes = _open_root(element)
        summary.schema_version = attributes.get("ВерсияСхемы")
        summary.generated_at = attributes.get("ДатаФормирования")
        return
    name = local_tag(element)
    if depth == 2 and name in SECTIONS and name not in summary.sections:
        summary.sections.append(name)
        flag = element.get("СодержитТолькоИзменения")
        if flag is not None and name in (CATALOG, OFFERS):
            summary.only_changes = flag.strip().lower() == "true"


def _ended(element: Any, summary: CatalogFile) -> ClientItem | None:
    """Read what is complete now; drop whatever is not needed any more."""
    name = local_tag(element)
    parent = element.getparent()
    if parent is None:
        return None
    where = local_tag(parent)
    item = None
    if name == "Товар" and _under(parent, "Товары", CATALOG):
        summary.goods += 1
        item = _item(element, "Товар", summary)
    elif name == "Предложение" and _under(parent, "Предложения", OFFERS, OFFER_CHANGES):
        summary.offers += 1
        item = _item(element, "Предложение", summary)
    elif name == "Группа" and where == "Группы":
        _group(element, parent, summary)
    elif name == "ТипЦены" and where == "ТипыЦен":
        _named(element, summary.price_types)
    elif name == "Склад" and where == "Склады":
        _named(element, summary.warehouses)
    elif name == "ЕдиницаИзмерения" and where == "ЕдиницыИзмерения":
        _unit_definition(element, summary)
    elif name == "Контрагент" and _under(parent, COUNTERPARTIES, ROOT):
        summary.counterparties += 1
    elif name == DOCUMENT and where in (ROOT, CONTAINER):
        summary.documents += 1
    elif name == "Свойство" and where == "Свойства":
        pass  # properties of the classifier: not needed, can be many
    elif where in (CLASSIFIER, CATALOG, OFFERS):
        _section_field(name, where, element, summary)
    else:
        return None
    element.clear()
    parent.remove(element)
    return item


def _under(parent: Any, name: str, *sections: str) -> bool:
    grand = parent.getparent()
    return (
        local_tag(parent) == name and grand is not None and local_tag(grand) in sections
    )


def _section_field(name: str, section: str, element: Any, summary: CatalogFile) -> None:
    value = _text(element)
    if name == "Ид":
        if section == CLASSIFIER:
            summary.classifier_id = summary.classifier_id or value
        elif section == CATALOG:
            summary.catalog_id = summary.catalog_id or value
        else:
            summary.package_id = summary.package_id or value
    elif name == "ИдКлассификатора":
        summary.classifier_id = summary.classifier_id or value
    elif name == "ИдКаталога":
        summary.catalog_id = summary.catalog_id or value


def _named(element: Any, names: dict[str, str | None]) -> None:
    key = _text(_child(element, "Ид"))
    if key is not None:
        names[key] = _text(_child(element, "Наименование"))


def _group(element: Any, parent: Any, summary: CatalogFile) -> None:
    """A group of the classifier; nested groups know their parent's ``Ид``."""
    group_id = _text(_child(element, "Ид"))
    if group_id is None:
        return
    owner = parent.getparent()
    parent_id = _text(_child(owner, "Ид")) if local_tag(owner) == "Группа" else None
    summary.groups[group_id] = Group(
        group_id, _text(_child(element, "Наименование")), parent_id
    )


def _unit_definition(element: Any, summary: CatalogFile) -> None:
    """CommerceML 3 lists units in the classifier; goods name them by ``Ид``."""
    parts = _children(element)
    unit = Unit(
        code=_text(parts.get("Код")) or _text(parts.get("Ид")),
        name=_text(parts.get("НаименованиеКраткое")),
        full_name=_text(parts.get("НаименованиеПолное")),
        international=_text(parts.get("МеждународноеСокращение")),
    )
    key = _text(parts.get("Ид")) or unit.code
    if key is not None:
        summary.units[key] = unit


# -- one item ----------------------------------------------------------------------


def _item(element: Any, source: str, summary: CatalogFile) -> ClientItem | None:
    parts = _children(element)
    item_id = _text(parts.get("Ид"))
    if item_id is None:
        log.warning(
            "commerceml_item_without_id", source=source, filename=summary.filename
        )
        return None
    requisites = _requisites(parts.get("ЗначенияРеквизитов"))
    barcodes = [_text(child) for child in element if local_tag(child) == "Штрихкод"] + [
        requisites.get(name) for name in BARCODE_REQUISITES
    ]
    return ClientItem(
        id=item_id,
        source=source,
        name=_text(parts.get("Наименование")),
        full_name=requisites.get(FULL_NAME_REQUISITE),
        article=_text(parts.get("Артикул")),
        barcodes=_split_barcodes(barcodes),
        unit=_unit(parts.get("БазоваяЕдиница"), summary),
        groups=tuple(
            g for g in (_text(e) for e in _each(parts.get("Группы"))) if g is not None
        ),
        vat_rate=_vat_rate(parts.get("СтавкиНалогов")),
        kind=requisites.get("ТипНоменклатуры"),
        deleted=(
            _clean(element.get("Статус")) == DELETED_STATUS
            or (_text(parts.get("ПометкаУдаления")) or "").lower() == "true"
        ),
        prices=[_price(p) for p in _each(parts.get("Цены"))],
        quantity=_text(parts.get("Количество")) or _stock_total(element),
    )


def _split_barcodes(values: list[str | None]) -> tuple[str, ...]:
    """Some configurations put several barcodes in one element, comma-separated."""
    found: list[str] = []
    for value in values:
        if value:
            found.extend(value.translate(_BARCODE_SEPARATORS).split())
    return tuple(dict.fromkeys(found))


def _unit(element: Any, summary: CatalogFile) -> Unit:
    """``БазоваяЕдиница``: the ОКЕИ code in ``Код`` and the short name as text
    (CommerceML 2), or the code as text naming a unit of the classifier (3.1)."""
    if element is None:
        return Unit()
    text = _text(element)
    code = _clean(element.get("Код"))
    full_name = _clean(element.get("НаименованиеПолное"))
    international = _clean(element.get("МеждународноеСокращение"))
    if text is not None and text.isdigit() and code in (None, text):
        known = summary.units.get(text) or Unit(code=text)
        return Unit(
            code=text,
            name=known.name,
            full_name=full_name or known.full_name,
            international=international or known.international,
        )
    return Unit(code=code, name=text, full_name=full_name, international=international)


def _vat_rate(element: Any) -> str | None:
    for rate in _each(element):
        name = (_text(_child(rate, "Наименование")) or "").casefold()
        if name in VAT_NAMES:
            return _text(_child(rate, "Ставка"))
    return None


def _price(element: Any) -> Price:
    parts = _children(element)
    return Price(
        price_type_id=_text(parts.get("ИдТипаЦены")),
        amount=_text(parts.get("ЦенаЗаЕдиницу")),
        currency=_text(parts.get("Валюта")),
        unit=_text(parts.get("Единица")),
    )


def _stock_total(element: Any) -> str | None:
    """Stock by warehouse: ``Склад@КоличествоНаСкладе`` (2.x) or ``Остатки`` (3.1)."""
    amounts = [
        _clean(child.get("КоличествоНаСкладе"))
        for child in element
        if local_tag(child) == "Склад"
    ]
    for rests in (c for c in element if local_tag(c) == "Остатки"):
        for rest in rests:
            for place in rest:
                amounts.append(_text(_child(place, "Количество")))
    figures = [a for a in amounts if a is not None]
    if not figures:
        return None
    try:
        return str(sum(Decimal(f.replace(",", ".")) for f in figures))
    except ArithmeticError:
        return None


# -- small XML helpers ---------------------------------------------------------------


def _open_root(element: Any) -> dict[str, str]:
    """The root's attributes; a DOCTYPE or a root other than ours is refused."""
    if element.getroottree().docinfo.doctype:
        raise CommerceMLError("a DOCTYPE is not allowed in a CommerceML file")
    name = local_tag(element)
    if name != ROOT:
        raise CommerceMLError(
            f"not a CommerceML exchange file: the root is <{name}>, expected <{ROOT}>"
        )
    return {attribute_name(key): value for key, value in element.attrib.items()}


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    return next((c for c in element if local_tag(c) == name), None)


def _children(element: Any) -> dict[str, Any]:
    """Children by local name; the first of a repeated name wins."""
    found: dict[str, Any] = {}
    for child in element:
        found.setdefault(local_tag(child), child)
    return found


def _each(element: Any) -> list[Any]:
    return [] if element is None else list(element)


def _text(element: Any) -> str | None:
    text = element.text if element is not None else None
    return (text.strip() or None) if text is not None else None


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _requisites(element: Any) -> dict[str, str | None]:
    """``ЗначенияРеквизитов``: name → its values joined by a space."""
    found: dict[str, str | None] = {}
    for entry in _each(element):
        name = _text(_child(entry, "Наименование"))
        if name is None or name in found:
            continue
        values = [_text(v) for v in entry if local_tag(v) == "Значение"]
        found[name] = " ".join(v for v in values if v) or None
    return found
