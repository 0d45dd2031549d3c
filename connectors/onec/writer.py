"""What 1C receives: the ``query`` answer and the ``info`` dictionary, as bytes.

Each requisition with news becomes its order ``Документ`` (outbound mapping
``order_status``) and each document issued for it a ``Документ`` of its own
(outbound mapping ``document``), placed as the CommerceML version asks:

* up to 2.09, the documents follow the order at the top level;
* 2.10 puts them under the order as ``ПодчиненныеДокументы``;
* 3.1 wraps the order and its documents in one ``Контейнер`` (and uses the
  ``urn:1C.ru:commerceml_3`` namespace, as 1C's own 3.1 files do).

The declaration, the bytes and the ``Content-Type`` charset always agree:
windows-1251, or UTF-8 with a byte order mark (1C misreads UTF-8 without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from lxml import etree

from connectors.onec import xmltree
from connectors.onec.settings import version_key
from gateway.config import TenantSettings
from gateway.mapping.registry import MappingRegistry

log = structlog.get_logger(__name__)

ROOT = "КоммерческаяИнформация"
NAMESPACE_3 = "urn:1C.ru:commerceml_3"
ORDER_MAPPING = "order_status"
DOCUMENT_MAPPING = "document"
STATUSES_TABLE = "onec_statuses"
PAYMENT_SYSTEMS = (("invoice", "Оплата по счету Комуса"),)
DELIVERY_SERVICES = (("komus", "Доставка Комуса"),)
STATUSES_ELEMENT = "\u0043татусы"
"""«Cтатусы» with a Latin C first: 1C's exchange module looks for exactly that name,
as the reference site writes it."""


@dataclass(frozen=True)
class Encoded:
    body: bytes
    content_type: str


def encode(root: Any, encoding: str) -> Encoded:
    if encoding == "utf-8":
        body = b"\xef\xbb\xbf" + etree.tostring(
            root, encoding="UTF-8", xml_declaration=True, pretty_print=True
        )
        return Encoded(body, "application/xml; charset=utf-8")
    body = etree.tostring(
        root, encoding="windows-1251", xml_declaration=True, pretty_print=True
    )
    return Encoded(body, "application/xml; charset=windows-1251")


@dataclass
class Rendered:
    """Requisitions written, and those whose mapping failed (left for later)."""

    encoded: Encoded
    written: list[int]
    failed: dict[int, str]


class QueryWriter:
    def __init__(self, registry: MappingRegistry):
        self.registry = registry

    def render(
        self,
        snapshots: list[dict[str, Any]],
        *,
        tenant: TenantSettings,
        version: str,
        encoding: str,
        now: datetime,
    ) -> Rendered:
        key = version_key(version)
        namespace = NAMESPACE_3 if key >= (3, 0) else None
        root = etree.Element(
            _tag(ROOT, namespace),
            nsmap={None: namespace} if namespace else None,
        )
        root.set("ВерсияСхемы", version)
        root.set("ДатаФормирования", now.strftime("%Y-%m-%dT%H:%M:%S"))
        order_mapping = self.registry.outbound(tenant.id, "onec", ORDER_MAPPING)
        document_mapping = self.registry.outbound(tenant.id, "onec", DOCUMENT_MAPPING)
        written: list[int] = []
        failed: dict[int, str] = {}
        for snapshot in snapshots:
            requisition_id = snapshot["requisition"]["id"]
            try:
                order = order_mapping.render(snapshot, tenant=tenant)
                documents = [
                    document_mapping.render(
                        {**snapshot, "document": document}, tenant=tenant
                    )
                    for document in snapshot["documents"]
                ]
            except Exception as error:  # noqa: BLE001 - one order must not stop all
                failed[requisition_id] = str(error)
                log.error(
                    "onec_document_unrenderable",
                    tenant=tenant.id,
                    requisition_id=requisition_id,
                    error=str(error),
                    next_step="fix the 1C outbound mapping; it is sent at the next "
                    "query",
                )
                continue
            self._place(root, order, documents, key, namespace)
            written.append(requisition_id)
        return Rendered(encode(root, encoding), written, failed)

    def _place(
        self,
        root: Any,
        order: dict[str, Any],
        documents: list[dict[str, Any]],
        key: tuple[int, int],
        namespace: str | None,
    ) -> None:
        if key >= (3, 0):
            container = etree.SubElement(root, _tag("Контейнер", namespace))
            for tree in (order, *documents):
                xmltree.add(container, "Документ", tree, namespace)
            return
        if key >= (2, 10) and documents:
            order = {**order, "ПодчиненныеДокументы": documents}
            documents = []
        xmltree.add(root, "Документ", order, namespace)
        for tree in documents:
            xmltree.add(root, "Документ", tree, namespace)


def info_dictionary(registry: MappingRegistry, encoding: str) -> Encoded:
    """The statuses, payment systems and delivery services 1C loads into its
    mapping tables (the «Загрузить с сайта» button)."""
    root = etree.Element("Справочник")
    statuses = etree.SubElement(root, STATUSES_ELEMENT)
    seen: set[str] = set()
    table = registry.tables.get(STATUSES_TABLE)
    for row in table.rows.values() if table is not None else []:
        code, name = row.get("code"), row.get("text")
        if not code or code in seen:
            continue
        seen.add(code)
        _item(statuses, code, name or code)
    payments = etree.SubElement(root, "ПлатежныеСистемы")
    for code, name in PAYMENT_SYSTEMS:
        _item(payments, code, name)
    # TODO(onec-info-delivery): the element name 1C reads for delivery services
    # is not confirmed by a real exchange; 1C ignores elements it does not know.
    deliveries = etree.SubElement(root, "СлужбыДоставки")
    for code, name in DELIVERY_SERVICES:
        _item(deliveries, code, name)
    return encode(root, encoding)


def _item(parent: Any, code: str, name: str) -> None:
    item = etree.SubElement(parent, "Элемент")
    etree.SubElement(item, "Ид").text = code
    etree.SubElement(item, "Название").text = name


def _tag(name: str, namespace: str | None) -> str:
    return f"{{{namespace}}}{name}" if namespace else name
