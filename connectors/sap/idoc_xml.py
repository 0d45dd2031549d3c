"""IDoc-XML as SAP's XML-HTTP port sends it: reading it safely, taking it apart.

A request body holds one root (the basic type, ``ORDERS05``, or an extension) with
one or more ``IDOC`` elements, or the same inside a SOAP envelope (the IDoc SOAP
adapter, namespace ``urn:sap-com:document:sap:idoc:soap:messages``). Each ``IDOC``
starts with its control record ``EDI_DC40``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

MAX_DEPTH = 64


class IdocUnreadable(ValueError):
    """The body is not IDoc-XML; the message says why, for the sender."""


@dataclass
class Idoc:
    basic_type: str
    element: etree._Element
    control: dict[str, str]

    def text(self) -> bytes:
        """The IDoc alone, under its basic type, as it is kept for replay."""
        root = etree.Element(self.basic_type)
        root.append(_copy(self.element))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element), _parser())


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def read_idocs(body: bytes) -> list[Idoc]:
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        raise IdocUnreadable(f"the body is not well-formed XML: {error}") from error
    if root.getroottree().docinfo.doctype:
        raise IdocUnreadable("a DOCTYPE is not allowed in IDoc-XML")
    if _depth(root) > MAX_DEPTH:
        raise IdocUnreadable(f"the XML is nested deeper than {MAX_DEPTH} levels")
    if _local(root.tag) == "Envelope":
        body_element = next((e for e in root if _local(e.tag) == "Body"), None)
        children = [] if body_element is None else list(body_element)
        if not children:
            raise IdocUnreadable("the SOAP envelope has no IDoc in its Body")
        root = children[0]
    idocs = [e for e in root if _local(e.tag) == "IDOC"]
    if not idocs:
        raise IdocUnreadable(f"<{_local(root.tag)}> holds no IDOC element")
    found = []
    for number, element in enumerate(idocs, start=1):
        _strip_namespaces(element)
        control = element.find("EDI_DC40")
        if control is None:
            raise IdocUnreadable(f"IDOC {number} has no control record EDI_DC40")
        fields = {child.tag: (child.text or "").strip() for child in control}
        basic = fields.get("IDOCTYP") or _local(root.tag)
        found.append(Idoc(basic, element, fields))
    return found


def _depth(element: etree._Element) -> int:
    deepest = 0
    stack = [(element, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def _strip_namespaces(element: etree._Element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node.tag).localname
    etree.cleanup_namespaces(element)


def segments(parent: etree._Element, name: str) -> list[etree._Element]:
    return parent.findall(name)


def field(segment: etree._Element | None, name: str) -> str:
    if segment is None:
        return ""
    return (segment.findtext(name) or "").strip()


def qualified(
    parent: etree._Element, name: str, qualifier: str, key: str = "QUALF"
) -> etree._Element | None:
    """The first segment ``name`` whose qualifier field is ``qualifier``."""
    return next((s for s in parent.findall(name) if field(s, key) == qualifier), None)
