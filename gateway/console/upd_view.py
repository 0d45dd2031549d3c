"""An УПД (or any ФНС invoice XML) read into a summary a person can follow.

Parsed with entities, DTDs and network off; a file that is not such XML gives
``None`` and the page offers the download only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

MAX_BYTES = 5 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


@dataclass
class UpdLine:
    number: str
    name: str
    unit: str
    quantity: str
    price: str
    net: str
    rate: str
    gross: str


@dataclass
class UpdSummary:
    title: str
    number: str
    date: str
    seller: str
    buyer: str
    lines: list[UpdLine] = field(default_factory=list)
    net_total: str = ""
    gross_total: str = ""


def read_upd(content: bytes) -> UpdSummary | None:
    if len(content) > MAX_BYTES:
        return None
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        return None
    header = root.find(".//СвСчФакт")
    if header is None:
        return None
    document = root.find(".//Документ")
    title = (document.get("НаимДокОпр") if document is not None else None) or "УПД"
    totals = root.find(".//ТаблСчФакт/ВсегоОпл")
    return UpdSummary(
        title=title,
        number=header.get("НомерДок", ""),
        date=header.get("ДатаДок", ""),
        seller=_party(header.find("СвПрод")),
        buyer=_party(header.find("СвПокуп")),
        lines=[_line(item) for item in root.iterfind(".//ТаблСчФакт/СведТов")],
        net_total=totals.get("СтТовБезНДСВсего", "") if totals is not None else "",
        gross_total=totals.get("СтТовУчНалВсего", "") if totals is not None else "",
    )


def _party(element: etree._Element | None) -> str:
    if element is None:
        return ""
    legal = element.find(".//СвЮЛУч")
    if legal is not None:
        kpp = f", КПП {legal.get('КПП')}" if legal.get("КПП") else ""
        return f"{legal.get('НаимОрг', '')}, ИНН {legal.get('ИННЮЛ', '')}{kpp}"
    person = element.find(".//СвИП")
    if person is not None:
        return f"ИП, ИНН {person.get('ИННФЛ', '')}"
    return ""


def _line(item: etree._Element) -> UpdLine:
    return UpdLine(
        number=item.get("НомСтр", ""),
        name=item.get("НаимТов", ""),
        unit=item.get("НаимЕдИзм", ""),
        quantity=item.get("КолТов", ""),
        price=item.get("ЦенаТов", ""),
        net=item.get("СтТовБезНДС", ""),
        rate=item.get("НалСт", ""),
        gross=item.get("СтТовУчНал", ""),
    )
