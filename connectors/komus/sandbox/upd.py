"""The УПД (универсальный передаточный документ) of a shipment, ФНС format 5.03.

Function СЧФДОП: invoice and transfer document in one. The file is windows-1251
and its name must equal ``Файл/@ИдФайл``; amounts per line come from
``gateway.money`` (VAT extracted from the price with VAT, rounded per line) and the
totals are sums of the lines.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from connectors.komus.sandbox.clock import MOSCOW
from connectors.komus.sandbox.supplier import Supplier
from gateway.money import KOPECK, LineAmounts, VatRate, sum_lines

FORMAT_VERSION = "5.03"
PROGRAM = "Komus Sandbox 1.0"
KND = "1115131"
TITLE = (
    "Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче "
    "имущественных прав (документ об оказании услуг)"
)
FACT = (
    "Документ об отгрузке товаров (выполнении работ), передаче имущественных прав "
    "(документ об оказании услуг)"
)
# The six fields after the GUID are new in 5.03; these are the values EDO
# operators write for an ordinary seller's title.
# TODO(upd-file-name): confirm the meaning of each trailing field with an operator.
FILE_NAME_TAIL = "0_1_0_0_0_00"
_POSTCODE = re.compile(r"^\s*(\d{6}),\s*")


@dataclass(frozen=True)
class UpdParty:
    name: str
    inn: str
    kpp: str | None
    region_code: str
    region_name: str
    address: str
    edo_id: str


@dataclass(frozen=True)
class UpdLine:
    artnumber: int
    name: str
    okei: str
    unit: str
    quantity: Decimal
    ordered: Decimal
    rate: VatRate
    amounts: LineAmounts
    barcode: str | None = None


@dataclass(frozen=True)
class UpdDocument:
    number: str
    issued: datetime
    buyer: UpdParty
    consignee: UpdParty
    order_number: str
    order_date: date
    lines: Sequence[UpdLine]
    external_id: str | None = None


@dataclass(frozen=True)
class UpdFile:
    file_id: str
    content: bytes

    @property
    def file_name(self) -> str:
        return self.file_id + ".xml"


def file_id(receiver: str, sender: str, day: date, guid: uuid.UUID) -> str:
    return f"ON_NSCHFDOPPR_{receiver}_{sender}_{day:%Y%m%d}_{guid}_{FILE_NAME_TAIL}"


def render_upd(document: UpdDocument, supplier: Supplier, guid: uuid.UUID) -> UpdFile:
    issued = document.issued.astimezone(MOSCOW)
    identifier = file_id(document.buyer.edo_id, supplier.edo_id, issued.date(), guid)

    root = etree.Element(
        "Файл", ИдФайл=identifier, ВерсФорм=FORMAT_VERSION, ВерсПрог=PROGRAM
    )
    body = etree.SubElement(
        root,
        "Документ",
        КНД=KND,
        Функция="СЧФДОП",
        ПоФактХЖ=FACT,
        НаимДокОпр=TITLE,
        ДатаИнфПр=f"{issued:%d.%m.%Y}",
        ВремИнфПр=f"{issued:%H.%M.%S}",
        НаимЭконСубСост=f"{supplier.name}, ИНН {supplier.inn}",
    )
    _invoice_header(body, document, supplier, issued)
    _table(body, document.lines)
    _transfer(body, document, supplier, issued)
    _signer(body, supplier)

    declaration = b'<?xml version="1.0" encoding="windows-1251"?>\n'
    content = declaration + etree.tostring(
        root, encoding="windows-1251", xml_declaration=False, pretty_print=True
    )
    return UpdFile(identifier, content)


def _invoice_header(
    body: etree._Element, document: UpdDocument, supplier: Supplier, issued: datetime
) -> None:
    header = etree.SubElement(
        body, "СвСчФакт", НомерДок=document.number, ДатаДок=f"{issued:%d.%m.%Y}"
    )
    seller = _party(
        header,
        "СвПрод",
        UpdParty(
            supplier.name,
            supplier.inn,
            supplier.kpp,
            supplier.region_code,
            supplier.region_name,
            supplier.address,
            supplier.edo_id,
        ),
    )
    bank = etree.SubElement(seller, "БанкРекв", НомерСчета=supplier.account)
    etree.SubElement(
        bank,
        "СвБанк",
        НаимБанк=supplier.bank,
        БИК=supplier.bik,
        КорСчет=supplier.correspondent_account,
    )
    shipper = etree.SubElement(header, "ГрузОт")
    etree.SubElement(shipper, "ОнЖе").text = "он же"
    _party(header, "ГрузПолуч", document.consignee)
    etree.SubElement(
        header,
        "ДокПодтвОтгрНом",
        РеквНаимДок="Универсальный передаточный документ",
        РеквНомерДок=document.number,
        РеквДатаДок=f"{issued:%d.%m.%Y}",
    )
    _party(header, "СвПокуп", document.buyer)
    etree.SubElement(header, "ДенИзм", КодОКВ="643", НаимОКВ="Российский рубль")
    notes = etree.SubElement(header, "ИнфПолФХЖ1")
    etree.SubElement(
        notes, "ТекстИнф", Идентиф="НомерЗаказа", Значен=document.order_number
    )
    if document.external_id:
        etree.SubElement(
            notes, "ТекстИнф", Идентиф="ИдЗаказаПокупателя", Значен=document.external_id
        )


def _party(parent: etree._Element, tag: str, party: UpdParty) -> etree._Element:
    element = etree.SubElement(parent, tag)
    identity = etree.SubElement(element, "ИдСв")
    legal = {"НаимОрг": party.name, "ИННЮЛ": party.inn}
    if party.kpp:
        legal["КПП"] = party.kpp
    etree.SubElement(identity, "СвЮЛУч", legal)
    address = etree.SubElement(element, "Адрес")
    postcode = _POSTCODE.match(party.address)
    russian = {"КодРегион": party.region_code, "НаимРегион": party.region_name}
    if postcode:
        russian["Индекс"] = postcode.group(1)
    russian["ИныеСвед"] = _POSTCODE.sub("", party.address)
    etree.SubElement(address, "АдрРФ", russian)
    return element


def _table(body: etree._Element, lines: Sequence[UpdLine]) -> None:
    table = etree.SubElement(body, "ТаблСчФакт")
    for number, line in enumerate(lines, start=1):
        item = etree.SubElement(
            table,
            "СведТов",
            НомСтр=str(number),
            НаимТов=line.name,
            ОКЕИ_Тов=line.okei,
            НаимЕдИзм=line.unit,
            КолТов=_quantity(line.quantity),
            ЦенаТов=_amount(_unit_price(line)),
            СтТовБезНДС=_amount(line.amounts.net),
            НалСт=str(line.rate),
            СтТовУчНал=_amount(line.amounts.gross),
        )
        extra = {
            "ПрТовРаб": "1",
            "НадлОтп": _quantity(line.ordered),
            "АртикулТов": str(line.artnumber),
            "КодТов": str(line.artnumber),
        }
        if line.barcode:
            extra["ГТИН"] = line.barcode.zfill(14)
        etree.SubElement(item, "ДопСведТов", extra)
        excise = etree.SubElement(item, "Акциз")
        etree.SubElement(excise, "БезАкциз").text = "без акциза"
        _vat(item, "СумНал", line.rate, line.amounts.vat)

    total = sum_lines(line.amounts for line in lines)
    totals = etree.SubElement(
        table,
        "ВсегоОпл",
        СтТовБезНДСВсего=_amount(total.net),
        СтТовУчНалВсего=_amount(total.gross),
    )
    exempt = all(line.rate is VatRate.EXEMPT for line in lines)
    _vat(totals, "СумНалВсего", VatRate.EXEMPT if exempt else None, total.vat)


def _vat(
    parent: etree._Element, tag: str, rate: VatRate | None, amount: Decimal
) -> None:
    holder = etree.SubElement(parent, tag)
    if rate is VatRate.EXEMPT:
        etree.SubElement(holder, "БезНДС").text = "без НДС"
    else:
        etree.SubElement(holder, "СумНал").text = _amount(amount)


def _transfer(
    body: etree._Element, document: UpdDocument, supplier: Supplier, issued: datetime
) -> None:
    transfer = etree.SubElement(body, "СвПродПер")
    details = etree.SubElement(
        transfer,
        "СвПер",
        СодОпер="Товары переданы",
        ВидОпер="Продажа",
        ДатаПер=f"{issued:%d.%m.%Y}",
    )
    etree.SubElement(
        details,
        "ОснПер",
        РеквНаимДок="Заказ",
        РеквНомерДок=document.order_number,
        РеквДатаДок=f"{document.order_date:%d.%m.%Y}",
    )
    people = etree.SubElement(details, "СвЛицПер")
    worker = etree.SubElement(people, "РабОргПрод", Должность="Кладовщик")
    surname, name, patronymic = supplier.accountant
    etree.SubElement(worker, "ФИО", Фамилия=surname, Имя=name, Отчество=patronymic)


def _signer(body: etree._Element, supplier: Supplier) -> None:
    signer = etree.SubElement(
        body, "Подписант", Должн="Генеральный директор", СпосПодтПолном="1"
    )
    surname, name, patronymic = supplier.director
    etree.SubElement(signer, "ФИО", Фамилия=surname, Имя=name, Отчество=patronymic)


def _unit_price(line: UpdLine) -> Decimal:
    """Net unit price, derived from the rounded net amount as 1C prints it."""
    return (line.amounts.net / line.quantity).quantize(KOPECK, rounding=ROUND_HALF_UP)


def _amount(amount: Decimal) -> str:
    return f"{amount.quantize(KOPECK):f}"


def _quantity(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"
