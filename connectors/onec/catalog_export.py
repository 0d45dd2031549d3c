"""The Komus catalog, with the tenant's prices and stock, as CommerceML for 1C.

What 1C loads with ``type=get_catalog``: one ``КоммерческаяИнформация`` holding the
``Классификатор`` (groups from the Komus categories the catalog uses), the
``Каталог`` (a ``Товар`` per article: ``Ид`` and ``Артикул`` are the Komus article,
so an order 1C sends back names it directly) and the ``ПакетПредложений`` (the
tenant's contract price with VAT, in roubles, and the stock in its region).

The 2.x XSD allows a ``Каталог`` *or* a ``ПакетПредложений`` per file; the site
exchange puts both in the one answer to ``get_catalog`` and 1C's importers take
it, and each section on its own is valid against the schema.

``ExportProfile`` chooses the schema version and the encoding:

========  =============================  ==================================
version   namespace                      what differs
========  =============================  ==================================
2.05      none (as 1C-Bitrix writes it)  ``Владелец`` in every section
2.08      ``urn:1C.ru:commerceml_2``     same
2.10      ``urn:1C.ru:commerceml_2``     same
3.1       ``urn:1C.ru:commerceml_3``     price types, warehouse and units in
                                         the classifier; ``БазоваяЕдиница``
                                         holds the code; stock as ``Остатки``
========  =============================  ==================================

Every section says ``СодержитТолькоИзменения="false"`` where its version has the
attribute (``Каталог`` and ``ПакетПредложений``; the ``Классификатор`` too in 3.1):
this is the whole catalog, and 1C may retire what it no longer lists. The file is
windows-1251 or UTF-8 with a BOM, and the declaration names the encoding the bytes
are in; a character windows-1251 lacks is written as a character reference.

The catalog is fetched a batch at a time and spooled (to disk past a few MB), then
written with ``lxml.etree.xmlfile``: the groups and units the goods use must come
first, and neither the catalog nor the output sits in memory as a tree.
"""

from __future__ import annotations

import codecs
import io
import json
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, BinaryIO

import structlog
from lxml import etree

from connectors.komus.client import KomusClient
from connectors.komus.models import MOSCOW, Category
from connectors.onec.komus_catalog import KomusArticle, articles, tenant_client
from gateway.errors import ValidationFailed
from gateway.hub import Hub

log = structlog.get_logger(__name__)

NAMESPACES = {
    "2.05": None,
    "2.08": "urn:1C.ru:commerceml_2",
    "2.10": "urn:1C.ru:commerceml_2",
    "3.1": "urn:1C.ru:commerceml_3",
}
ENCODINGS = {"windows-1251": "cp1251", "utf-8": "utf-8"}
SPOOL_BYTES = 8 * 1024 * 1024
CURRENCY = "RUB"
OWNER_NAME = "Комус"
IDS = uuid.UUID("5f1c3a2e-8d4b-4c1e-9a7f-2b6d0e4c8a10")
"""Namespace of the ids this export makes up: stable per tenant and region, so
that 1C matches each load to the previous one."""


@dataclass(frozen=True)
class ExportProfile:
    version: str = "2.08"
    encoding: str = "windows-1251"

    def __post_init__(self) -> None:
        if self.version not in NAMESPACES:
            raise ValidationFailed(
                [
                    f"CommerceML version {self.version!r} is not exported; "
                    f"known: {', '.join(NAMESPACES)}"
                ]
            )
        try:
            name = codecs.lookup(self.encoding).name
        except LookupError:
            name = ""
        canonical = {"cp1251": "windows-1251", "utf-8": "utf-8"}.get(name)
        if canonical is None:
            raise ValidationFailed(
                [f"encoding {self.encoding!r}: use windows-1251 or utf-8"]
            )
        object.__setattr__(self, "encoding", canonical)

    @classmethod
    def of(cls, profile: Any) -> ExportProfile:
        """This profile from one, from a 1C exchange profile (``.output``) or from
        anything with ``version`` and ``encoding``; a version this export does not
        write becomes the newest one it writes that is not newer."""
        if isinstance(profile, ExportProfile):
            return profile
        source = getattr(profile, "output", profile)
        version = str(getattr(source, "version", "") or "2.08")
        encoding = str(getattr(source, "encoding", "") or "windows-1251")
        return cls(_nearest(version), encoding)

    @property
    def namespace(self) -> str | None:
        return NAMESPACES[self.version]

    @property
    def is_cml3(self) -> bool:
        return self.version.startswith("3")

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding]

    def prologue(self) -> bytes:
        """The BOM (UTF-8) and the XML declaration, in the file's encoding."""
        declared = "UTF-8" if self.encoding == "utf-8" else "windows-1251"
        text = f'<?xml version="1.0" encoding="{declared}"?>\n'
        bom = codecs.BOM_UTF8 if self.encoding == "utf-8" else b""
        return bom + text.encode(self.codec)


def _nearest(version: str) -> str:
    if version in NAMESPACES:
        return version
    try:
        asked = tuple(int(part) for part in version.split("."))
    except ValueError:
        return "2.08"
    known = sorted(NAMESPACES, key=lambda v: tuple(int(p) for p in v.split(".")))
    below = [v for v in known if tuple(int(p) for p in v.split(".")) <= asked]
    return below[-1] if below else known[0]


@dataclass(frozen=True)
class ExportSummary:
    articles: int
    groups: int
    size: int  # bytes written


@dataclass(frozen=True)
class _Ids:
    classifier: str
    catalog: str
    price_type: str
    warehouse: str
    owner: str

    @classmethod
    def of(cls, tenant_id: str, region: str) -> _Ids:
        def made(what: str) -> str:
            return str(uuid.uuid5(IDS, f"{what}:{tenant_id}:{region}"))

        return cls(
            classifier=made("classifier"),
            catalog=made("catalog"),
            price_type=made("price-type"),
            warehouse=made("warehouse"),
            owner=str(uuid.uuid5(IDS, "owner:komus")),
        )


@dataclass(frozen=True)
class _Unit:
    code: str
    short: str | None
    full: str | None
    international: str | None


def export_catalog(hub: Hub, tenant_id: str, profile: Any) -> bytes:
    """The whole export as bytes; ``write_catalog`` streams it to a file instead.

    ``profile`` is an ``ExportProfile`` or anything ``ExportProfile.of`` takes.
    """
    out = io.BytesIO()
    write_catalog(hub, tenant_id, profile, out)
    return out.getvalue()


def write_catalog(
    hub: Hub, tenant_id: str, profile: Any, out: BinaryIO
) -> ExportSummary:
    profile = ExportProfile.of(profile)
    tenant = hub.pipeline.tenant(tenant_id)
    region = tenant.komus.region
    if not region:
        raise ValidationFailed(
            [
                f"tenant {tenant_id!r} has no Komus region: set "
                f"tenants[{tenant_id}].komus.region; prices and stock are regional"
            ]
        )
    bound = log.bind(tenant=tenant_id, channel="onec", region=region)
    ids = _Ids.of(tenant_id, region)
    with _spool() as spool:
        with tenant_client(hub, tenant) as client:
            fetched = _fetch(client, spool)
        units = _units(hub, fetched.okei)
        start = out.tell() if out.seekable() else 0
        out.write(profile.prologue())
        writer = _Writer(profile, ids, units, region)
        moment = hub.clock.now().astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")
        attributes = {"ВерсияСхемы": profile.version, "ДатаФормирования": moment}
        with (
            etree.xmlfile(out, encoding=profile.codec) as xf,
            writer.open(xf, "КоммерческаяИнформация", attributes, root=True),
        ):
            writer.classifier(xf, fetched.groups)
            writer.catalog(xf, _load(spool))
            writer.offers(xf, _load(spool))
    summary = ExportSummary(
        fetched.count,
        _count(fetched.groups),
        (out.tell() - start) if out.seekable() else 0,
    )
    bound.info(
        "catalog_exported",
        version=profile.version,
        encoding=profile.encoding,
        articles=summary.articles,
        groups=summary.groups,
        bytes=summary.size,
    )
    return summary


# -- fetching and the spool ---------------------------------------------------------


@dataclass
class _Fetched:
    count: int
    okei: dict[str, str | None]
    groups: list[_Group]


def _fetch(client: KomusClient, spool: IO[str]) -> _Fetched:
    """Spool the tenant's articles; note the units and categories they use."""
    count = 0
    okei: dict[str, str | None] = {}
    used: set[int] = set()
    for batch in articles(client, with_stock=True):
        for article in batch:
            spool.write(_dump(article))
            count += 1
            if article.okei:
                okei.setdefault(article.okei, article.unit)
            if article.category_id is not None:
                used.add(article.category_id)
    return _Fetched(count, okei, _groups(client.categories(), used))


@contextmanager
def _spool() -> Iterator[IO[str]]:
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOL_BYTES, mode="w+", encoding="utf-8"
    ) as spool:
        yield spool


def _dump(article: KomusArticle) -> str:
    return (
        json.dumps(
            [
                article.artnumber,
                article.name,
                article.category_id,
                article.okei,
                article.unit,
                article.vendor_code,
                article.barcodes[0] if article.barcodes else None,
                article.vat_percent,
                None if article.price is None else str(article.price),
                None if article.stock is None else str(article.stock),
            ],
            ensure_ascii=False,
        )
        + "\n"
    )


def _load(spool: IO[str]) -> Iterator[KomusArticle]:
    spool.seek(0)
    for line in spool:
        number, name, category, okei, unit, vendor, barcode, vat, price, stock = (
            json.loads(line)
        )
        yield KomusArticle(
            artnumber=number,
            name=name,
            category_id=category,
            okei=okei,
            unit=unit,
            vendor_code=vendor,
            barcodes=(barcode,) if barcode else (),
            vat_percent=vat,
            price=None if price is None else Decimal(price),
            stock=None if stock is None else Decimal(stock),
        )


# -- groups and units ----------------------------------------------------------------


@dataclass
class _Group:
    id: int
    name: str
    children: list[_Group]


def _groups(categories: list[Category], used: set[int]) -> list[_Group]:
    """The category tree cut to the categories goods are in and their parents."""
    by_id = {c.id: c for c in categories}
    keep: set[int] = set()
    for category_id in used:
        current = by_id.get(category_id)
        while current is not None and current.id not in keep:
            keep.add(current.id)
            current = by_id.get(current.parent_id)
    nodes = {i: _Group(i, by_id[i].name, []) for i in sorted(keep)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(by_id[node.id].parent_id)
        (parent.children if parent is not None else roots).append(node)
    return roots


def _count(groups: list[_Group]) -> int:
    return sum(1 + _count(g.children) for g in groups)


def _units(hub: Hub, okei: dict[str, str | None]) -> dict[str, _Unit]:
    """Unit names from the ``units`` value table (ОКЕИ), Komus's short name else."""
    tables = hub.mapping_registry.tables
    tables.refresh()
    table = tables.get("units")
    found = {}
    for code, komus_short in okei.items():
        row = table.find(code) if table is not None else None
        found[code] = _Unit(
            code=code,
            short=(row or {}).get("symbol") or komus_short,
            full=(row or {}).get("name"),
            international=(row or {}).get("iso"),
        )
        if row is None:
            log.warning("okei_unit_unknown", okei=code, table="units")
    return found


# -- writing -------------------------------------------------------------------------


class _Writer:
    """Writes the sections through an ``xmlfile`` in the profile's dialect."""

    def __init__(
        self,
        profile: ExportProfile,
        ids: _Ids,
        units: dict[str, _Unit],
        region: str,
    ):
        self.profile = profile
        self.ids = ids
        self.units = units
        self.region = region
        self.ns = profile.namespace

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    @contextmanager
    def open(
        self,
        xf: Any,
        name: str,
        attributes: dict[str, str] | None = None,
        *,
        root: bool = False,
    ) -> Iterator[None]:
        nsmap = {None: self.ns} if root and self.ns else None
        with xf.element(self.tag(name), attributes or {}, nsmap=nsmap):
            yield

    def put(
        self,
        xf: Any,
        name: str,
        text: Any = None,
        attributes: dict[str, str] | None = None,
    ) -> None:
        """One element with text; nothing at all for no text and no attributes."""
        if text is None and not attributes:
            return
        with self.open(xf, name, attributes):
            if text is not None:
                xf.write(str(text))

    # -- sections ----------------------------------------------------------------

    def classifier(self, xf: Any, groups: list[_Group]) -> None:
        attributes = (
            {"СодержитТолькоИзменения": "false"} if self.profile.is_cml3 else {}
        )
        with self.open(xf, "Классификатор", attributes):
            self.put(xf, "Ид", self.ids.classifier)
            self.put(xf, "Наименование", "Каталог Комус")
            self.owner(xf)
            if groups:
                self.groups(xf, groups)
            if self.profile.is_cml3:
                self.price_types(xf)
                self.warehouses(xf)
                with self.open(xf, "ЕдиницыИзмерения"):
                    for unit in self.units.values():
                        with self.open(xf, "ЕдиницаИзмерения"):
                            self.put(xf, "Ид", unit.code)
                            self.put(xf, "НаименованиеКраткое", unit.short)
                            self.put(xf, "Код", unit.code)
                            self.put(xf, "НаименованиеПолное", unit.full)
                            self.put(xf, "МеждународноеСокращение", unit.international)

    def catalog(self, xf: Any, goods: Iterator[KomusArticle]) -> None:
        with self.open(xf, "Каталог", {"СодержитТолькоИзменения": "false"}):
            self.put(xf, "Ид", self.ids.catalog)
            self.put(xf, "ИдКлассификатора", self.ids.classifier)
            self.put(xf, "Наименование", "Каталог Комус")
            self.owner(xf)
            with self.open(xf, "Товары"):
                for article in goods:
                    self.good(xf, article)

    def offers(self, xf: Any, goods: Iterator[KomusArticle]) -> None:
        with self.open(xf, "ПакетПредложений", {"СодержитТолькоИзменения": "false"}):
            self.put(xf, "Ид", f"{self.ids.catalog}#")
            self.put(xf, "Наименование", "Пакет предложений (Каталог Комус)")
            self.put(xf, "ИдКаталога", self.ids.catalog)
            self.put(xf, "ИдКлассификатора", self.ids.classifier)
            self.owner(xf)
            if not self.profile.is_cml3:
                self.price_types(xf)
                self.warehouses(xf)
            with self.open(xf, "Предложения"):
                for article in goods:
                    if article.price is not None:
                        self.offer(xf, article)

    # -- pieces ------------------------------------------------------------------

    def owner(self, xf: Any) -> None:
        """The 2.x schema wants an owner in every section; 3.1 files carry none."""
        if self.profile.is_cml3:
            return
        with self.open(xf, "Владелец"):
            self.put(xf, "Ид", self.ids.owner)
            self.put(xf, "Наименование", OWNER_NAME)
            self.put(xf, "ОфициальноеНаименование", OWNER_NAME)

    def groups(self, xf: Any, groups: list[_Group]) -> None:
        with self.open(xf, "Группы"):
            for group in groups:
                with self.open(xf, "Группа"):
                    self.put(xf, "Ид", str(group.id))
                    self.put(xf, "Наименование", group.name)
                    if group.children:
                        self.groups(xf, group.children)

    def price_types(self, xf: Any) -> None:
        with self.open(xf, "ТипыЦен"), self.open(xf, "ТипЦены"):
            self.put(xf, "Ид", self.ids.price_type)
            self.put(xf, "Наименование", "Комус, договорная цена")
            self.put(xf, "Валюта", CURRENCY)
            with self.open(xf, "Налог"):
                self.put(xf, "Наименование", "НДС")
                self.put(xf, "УчтеноВСумме", "true")

    def warehouses(self, xf: Any) -> None:
        with self.open(xf, "Склады"), self.open(xf, "Склад"):
            self.put(xf, "Ид", self.ids.warehouse)
            self.put(xf, "Наименование", f"Комус, регион {self.region}")

    def base_unit(self, xf: Any, article: KomusArticle) -> None:
        unit = self.units.get(article.okei or "")
        if unit is None:
            self.put(xf, "БазоваяЕдиница", article.unit)
            return
        attributes = {"Код": unit.code}
        if unit.full:
            attributes["НаименованиеПолное"] = unit.full
        if unit.international:
            attributes["МеждународноеСокращение"] = unit.international
        text = unit.code if self.profile.is_cml3 else unit.short
        self.put(xf, "БазоваяЕдиница", text, attributes)

    def good(self, xf: Any, article: KomusArticle) -> None:
        number = str(article.artnumber)
        with self.open(xf, "Товар"):
            self.put(xf, "Ид", number)
            if article.barcodes:
                self.put(xf, "Штрихкод", article.barcodes[0])
            self.put(xf, "Артикул", number)
            self.put(xf, "Наименование", article.name)
            self.base_unit(xf, article)
            if article.category_id is not None:
                with self.open(xf, "Группы"):
                    self.put(xf, "Ид", str(article.category_id))
            if article.vat_percent is not None:
                with self.open(xf, "СтавкиНалогов"), self.open(xf, "СтавкаНалога"):
                    self.put(xf, "Наименование", "НДС")
                    self.put(xf, "Ставка", str(article.vat_percent))
            with self.open(xf, "ЗначенияРеквизитов"):
                self.requisite(xf, "ВидНоменклатуры", "Товар")
                self.requisite(xf, "ТипНоменклатуры", "Товар")
                self.requisite(xf, "Полное наименование", article.name)
                if article.vendor_code:
                    self.requisite(xf, "Артикул производителя", article.vendor_code)

    def requisite(self, xf: Any, name: str, value: str) -> None:
        with self.open(xf, "ЗначениеРеквизита"):
            self.put(xf, "Наименование", name)
            self.put(xf, "Значение", value)

    def offer(self, xf: Any, article: KomusArticle) -> None:
        number = str(article.artnumber)
        unit = self.units.get(article.okei or "")
        short = (unit.short if unit else None) or article.unit or ""
        price = article.price
        assert price is not None
        quantity = _figure(article.stock if article.stock is not None else Decimal(0))
        with self.open(xf, "Предложение"):
            self.put(xf, "Ид", number)
            self.put(xf, "Артикул", number)
            self.put(xf, "Наименование", article.name)
            self.base_unit(xf, article)
            with self.open(xf, "Цены"), self.open(xf, "Цена"):
                self.put(xf, "Представление", f"{price:.2f} {CURRENCY} за {short}")
                self.put(xf, "ИдТипаЦены", self.ids.price_type)
                self.put(xf, "ЦенаЗаЕдиницу", f"{price:.2f}")
                self.put(xf, "Валюта", CURRENCY)
                if article.okei:
                    self.put(xf, "Единица", article.okei)
                self.put(xf, "Коэффициент", "1")
            self.put(xf, "Количество", quantity)
            if self.profile.is_cml3:
                with (
                    self.open(xf, "Остатки"),
                    self.open(xf, "Остаток"),
                    self.open(xf, "Склад"),
                ):
                    self.put(xf, "Ид", self.ids.warehouse)
                    self.put(xf, "Количество", quantity)
            else:
                self.put(
                    xf,
                    "Склад",
                    None,
                    {"ИдСклада": self.ids.warehouse, "КоличествоНаСкладе": quantity},
                )


def _figure(value: Decimal) -> str:
    """A quantity as 1C writes it: no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
