"""A client's 1C nomenclature made from real sandbox articles, as CommerceML files.

Some items carry the article's barcode, some only its vendor code, some only a
slightly different name, and some are things Komus does not sell; one is marked
deleted and one is a service. Each knows the Komus article it should be matched
to and by which method.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from connectors.komus.sandbox.catalog import Article, Catalog

NS = "urn:1C.ru:commerceml_2"
GUIDS = uuid.UUID("0b0e6a43-0d53-4f3c-a2d6-7a8f4a0f6c11")
CATALOG_ID = "bd72d8f9-55bc-11d9-848a-00112f43529a"

UNKNOWN_NAMES = (
    "Кофемашина DeLonghi Magnifica S ECAM 22.110",
    "Шины зимние Nokian Hakkapeliitta R16",
    "Аккумулятор автомобильный Varta 60 Ач",
    "Цемент М500 мешок 50 кг",
)


@dataclass
class ClientGood:
    id: str
    name: str
    article: str | None = None
    barcode: str | None = None
    komus: int | None = None
    method: str | None = None
    deleted: bool = False
    service: bool = False
    article_in_offers: bool = False


def guid(number: int) -> str:
    return str(uuid.uuid5(GUIDS, str(number)))


def renamed(name: str) -> str:
    """How a 1C user retypes a name: Latin A4, no brackets or commas, «шт» after,
    «листов» as «л.», «ё» for «е» and the case changed."""
    text = name.replace("А4", "A4").replace("А3", "A3").replace("А5", "A5")
    text = text.replace("(", " ").replace(")", " ").replace(", ", " ")
    text = text.replace("листов", "л.").replace("черн", "чёрн")
    return " ".join(text.split()).upper() + ", шт."


def client_goods(
    catalog: Catalog, region: str = "77", each: int = 6
) -> list[ClientGood]:
    sold = sorted(
        (a for a in catalog.articles.values() if region in a.regions),
        key=lambda a: a.artnumber,
    )
    picks = iter(sold[::7])
    goods: list[ClientGood] = []
    number = 0

    def take() -> Article:
        return next(picks)

    for _ in range(each):
        article = take()
        number += 1
        goods.append(
            ClientGood(
                guid(number),
                f"Позиция учёта {number}",
                barcode=article.barcode,
                komus=article.artnumber,
                method="barcode",
            )
        )
    for index in range(each):
        article = take()
        number += 1
        goods.append(
            ClientGood(
                guid(number),
                renamed(article.name),
                article=article.vendor_code.replace("-", " ").lower(),
                komus=article.artnumber,
                method="article",
                article_in_offers=index % 2 == 0,
            )
        )
    for _ in range(each):
        article = take()
        number += 1
        goods.append(
            ClientGood(
                guid(number),
                renamed(article.name),
                komus=article.artnumber,
                method="name",
            )
        )
    for name in UNKNOWN_NAMES:
        number += 1
        goods.append(ClientGood(guid(number), name))
    number += 1
    goods.append(ClientGood(guid(number), renamed(sold[1].name), deleted=True))
    number += 1
    goods.append(ClientGood(guid(number), "Доставка до склада", service=True))
    return goods


# -- CommerceML ----------------------------------------------------------------------


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None = None, **attrs: str):
    child = etree.SubElement(parent, _tag(name), attrs)
    if text is not None:
        child.text = text
    return child


def _root() -> etree._Element:
    return etree.Element(
        _tag("КоммерческаяИнформация"),
        {"ВерсияСхемы": "2.08", "ДатаФормирования": "2026-02-10T09:00:00"},
        nsmap={None: NS},
    )


def _requisite(parent: etree._Element, name: str, value: str) -> None:
    entry = _add(parent, "ЗначениеРеквизита")
    _add(entry, "Наименование", name)
    _add(entry, "Значение", value)


def import_xml(goods: list[ClientGood], encoding: str = "windows-1251") -> bytes:
    """``import.xml`` as UT 11 writes it: classifier and catalog, namespaced."""
    root = _root()
    classifier = _add(root, "Классификатор")
    _add(classifier, "Ид", CATALOG_ID)
    _add(classifier, "Наименование", "Классификатор (Основной каталог товаров)")
    group = _add(_add(classifier, "Группы"), "Группа")
    _add(group, "Ид", "9a1b0c3e-0000-4000-8000-000000000001")
    _add(group, "Наименование", "Канцелярия")
    catalog = _add(root, "Каталог", СодержитТолькоИзменения="false")
    _add(catalog, "Ид", CATALOG_ID)
    _add(catalog, "ИдКлассификатора", CATALOG_ID)
    _add(catalog, "Наименование", "Основной каталог товаров")
    items = _add(catalog, "Товары")
    for good in goods:
        item = _add(items, "Товар", **({"Статус": "Удален"} if good.deleted else {}))
        _add(item, "Ид", good.id)
        if good.barcode:
            _add(item, "Штрихкод", good.barcode)
        if good.article and not good.article_in_offers:
            _add(item, "Артикул", good.article)
        _add(item, "Наименование", good.name)
        _add(
            item,
            "БазоваяЕдиница",
            "шт",
            Код="796 ",
            НаименованиеПолное="Штука",
            МеждународноеСокращение="PCE",
        )
        groups = _add(item, "Группы")
        _add(groups, "Ид", "9a1b0c3e-0000-4000-8000-000000000001")
        requisites = _add(item, "ЗначенияРеквизитов")
        _requisite(requisites, "ВидНоменклатуры", "Услуга" if good.service else "Товар")
        _requisite(requisites, "ТипНоменклатуры", "Услуга" if good.service else "Товар")
        _requisite(requisites, "Полное наименование", good.name)
    return etree.tostring(root, encoding=encoding, xml_declaration=True)


def offers_xml(goods: list[ClientGood]) -> bytes:
    """``offers.xml`` in UTF-8 with a BOM; some articles only appear here."""
    root = _root()
    package = _add(root, "ПакетПредложений", СодержитТолькоИзменения="false")
    _add(package, "Ид", f"{CATALOG_ID}#")
    _add(package, "Наименование", "Пакет предложений")
    _add(package, "ИдКаталога", CATALOG_ID)
    _add(package, "ИдКлассификатора", CATALOG_ID)
    price_type = _add(_add(package, "ТипыЦен"), "ТипЦены")
    _add(price_type, "Ид", "279b6812-740b-11e8-80c8-0cc47ab29cd1")
    _add(price_type, "Наименование", "Закупочная")
    _add(price_type, "Валюта", "RUB")
    offers = _add(package, "Предложения")
    for good in goods:
        offer = _add(offers, "Предложение")
        _add(offer, "Ид", good.id)
        if good.article and good.article_in_offers:
            _add(offer, "Артикул", good.article)
        _add(offer, "Наименование", good.name)
        price = _add(_add(offer, "Цены"), "Цена")
        _add(price, "ИдТипаЦены", "279b6812-740b-11e8-80c8-0cc47ab29cd1")
        _add(price, "ЦенаЗаЕдиницу", "100")
        _add(price, "Валюта", "RUB")
        _add(offer, "Количество", "5")
    return b"\xef\xbb\xbf" + etree.tostring(
        root, encoding="utf-8", xml_declaration=True
    )


# -- hostile files -------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE КоммерческаяИнформация [
  <!ENTITY a "ха-ха-ха-ха-ха-ха-ха-ха-ха-ха">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2026-02-10T09:00:00">
  <Каталог><Товары><Товар><Ид>1</Ид><Наименование>&c;</Наименование></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>
""".encode()

EXTERNAL_ENTITY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE КоммерческаяИнформация [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2026-02-10T09:00:00">
  <Каталог><Товары><Товар><Ид>1</Ид><Наименование>&secret;</Наименование></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>
""".encode()
