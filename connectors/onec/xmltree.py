"""The trees the 1C outbound mappings give, written as CommerceML elements.

A mapping gives dicts, lists and text. A list under a CommerceML container name
becomes that container with one element per item (``Товары`` → ``Товар``); any
other list repeats its element (``Значение``). ``БазоваяЕдиница`` carries its code
and names as attributes and its short name as text, as CommerceML has it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

LIST_ITEMS = {
    "Товары": "Товар",
    "ЗначенияРеквизитов": "ЗначениеРеквизита",
    "Контрагенты": "Контрагент",
    "ПодчиненныеДокументы": "ПодчиненныйДокумент",
    "Налоги": "Налог",
    "СтавкиНалогов": "СтавкаНалога",
    "Склады": "Склад",
    "Скидки": "Скидка",
    "ХарактеристикиТовара": "ХарактеристикаТовара",
}
WITH_ATTRIBUTES = {"БазоваяЕдиница": "Наименование"}
"""Elements whose keys are attributes, but one: the element's text."""


def add(parent: Any, tag: str, value: Any, namespace: str | None = None) -> None:
    """Write ``value`` under ``parent`` as element(s) named ``tag``."""
    if value is None:
        return
    if isinstance(value, list):
        item_tag = LIST_ITEMS.get(tag)
        if item_tag is None:
            for item in value:
                add(parent, tag, item, namespace)
            return
        container = etree.SubElement(parent, _name(tag, namespace))
        for item in value:
            add(container, item_tag, item, namespace)
        return
    element = etree.SubElement(parent, _name(tag, namespace))
    fill(element, tag, value, namespace)


def fill(element: Any, tag: str, value: Any, namespace: str | None = None) -> None:
    if isinstance(value, dict):
        text_key = WITH_ATTRIBUTES.get(tag)
        for key, inner in value.items():
            if inner is None:
                continue
            if text_key is not None and key == text_key:
                element.text = text(inner)
            elif text_key is not None:
                element.set(key, text(inner))
            else:
                add(element, key, inner, namespace)
        return
    element.text = text(value)


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _name(tag: str, namespace: str | None) -> str:
    return f"{{{namespace}}}{tag}" if namespace else tag
