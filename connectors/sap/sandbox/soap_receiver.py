"""The sandbox's SOAP service OrderConfirmationRequest_In.

The body is checked against the schema in the gateway's WSDL (the same file zeep
reads) and against what SAP's confirmation processing insists on: unique item and
schedule line numbers, and items of a purchase order the sandbox knows when it has
been given any. Good messages are recorded and answered ``202`` with no body, as
SAP answers an asynchronous inbound service; bad ones get a SOAP 1.1 Client fault.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from lxml import etree

from connectors.sap.sandbox import answers
from connectors.sap.sandbox.state import Received, SapSandbox

WSDL = Path(__file__).resolve().parents[1] / "wsdl" / "OrderConfirmationRequest_In.wsdl"
PATH = "/sap/bc/srt/scs/sap/orderconfirmationrequest_in"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGE = "{http://sap.com/xi/EDI}OrderConfirmationRequest"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    wsdl = etree.parse(str(WSDL), _parser())
    schema = wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema")
    return etree.XMLSchema(schema)


def fault(code: str, text: str, detail: str = "", status: int = 500) -> Response:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap-env": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = f"soap-env:{code}"
    etree.SubElement(node, "faultstring").text = text
    if detail:
        etree.SubElement(node, "detail").text = detail
    return Response(
        etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"),
        status_code=status,
        media_type="text/xml; charset=utf-8",
    )


def _problem(body: bytes, orders: set[tuple[str, str]]) -> str | None:
    """Why SAP would not take the body, or None."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        return f"XML not readable: {error}"
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        return f"<{etree.QName(root).localname}> is no SOAP 1.1 envelope"
    payload = root.find(f"{{{SOAP_ENV}}}Body")
    children = [] if payload is None else list(payload)
    if not children or children[0].tag != MESSAGE:
        return "the SOAP body holds no OrderConfirmationRequest"
    message = children[0]
    schema = _schema()
    if not schema.validate(message):
        error = schema.error_log.last_error
        return f"line {error.line}: {error.message}" if error else "schema invalid"
    for item in message.iterfind("PurchaseOrder/Item"):
        lines = [line.findtext("ID") for line in item.iterfind("ScheduleLine")]
        if len(lines) != len(set(lines)):
            return f"item {item.findtext('ID')}: schedule line IDs repeat"
    items = [item.findtext("ID") for item in message.iterfind("PurchaseOrder/Item")]
    if len(items) != len(set(items)):
        return "item IDs repeat in one purchase order"
    number = message.findtext("PurchaseOrder/ID") or ""
    for item in items:
        if orders and (number.lstrip("0"), item) not in orders:
            return f"Purchase order {number} item {item} does not exist"
    return None


def _known_orders(sandbox: SapSandbox) -> set[tuple[str, str]]:
    """Purchase order items the sandbox was given; empty means any is taken."""
    rows = sandbox.rows.get(
        ("API_PURCHASEORDER_PROCESS_SRV", "A_PurchaseOrderItem"), []
    )
    return {
        (
            str(row.get("PurchaseOrder", "")).lstrip("0"),
            str(row.get("PurchaseOrderItem")),
        )
        for row in rows
    }


def soap_router(sandbox: SapSandbox) -> APIRouter:
    router = APIRouter()

    @router.post(PATH)
    async def order_confirmation(request: Request) -> Response:
        if sandbox.write_fault == "dump":
            return answers.short_dump()
        body = await request.body()
        problem = _problem(body, _known_orders(sandbox))
        if problem is not None:
            return fault(
                "Client",
                "Web service processing error; more details in the web service "
                "error log on provider side",
                problem,
            )
        sandbox.record(
            Received(
                "soap",
                PATH,
                body,
                request.headers.get("content-type", ""),
                method="POST",
            )
        )
        return Response(status_code=202)

    return router
