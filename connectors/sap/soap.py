"""Order confirmations into SAP through the SOAP service OrderConfirmationRequest_In.

zeep reads the service from ``wsdl/OrderConfirmationRequest_In.wsdl`` beside this
module (nothing is fetched from SAP) and builds the envelope when the confirmation
is queued, so the outbox keeps exactly what goes on the wire. Sending goes through
zeep's transport on the tenant's logged-on session (Basic auth, sap-client), and a
SOAP fault in SAP's answer is read by zeep into its code, text and detail.

SAP replaces the confirmation lines of a purchase order item with those one message
carries (KBA 3091503), so every message holds all schedule lines of each item: what
has shipped, on its shipment date, and what is still to come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from connectors.sap.alpha import alpha_in
from connectors.sap.idoc_writer import qty

WSDL = Path(__file__).resolve().parent / "wsdl" / "OrderConfirmationRequest_In.wsdl"
OPERATION = "OrderConfirmationRequest_In"
CONTENT_TYPE = "text/xml; charset=utf-8"
TIMEOUT_SECONDS = 30.0


@dataclass
class ScheduleLine:
    quantity: Decimal
    starts: date


@dataclass
class ConfirmedItem:
    item: str  # the purchase order item, "10"
    unit_iso: str
    lines: list[ScheduleLine]


@lru_cache(maxsize=1)
def _client() -> zeep.Client:
    """The service as the WSDL describes it; read once, never from the network."""
    return zeep.Client(
        str(WSDL),
        transport=Transport(cache=None),
        settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True),
    )


def soap_action() -> str:
    operation = _client().service._binding._operations[OPERATION]
    return str(operation.soapaction)


def envelope(
    message_id: str,
    created: datetime,
    order: str,
    seller_order: str,
    items: list[ConfirmedItem],
) -> bytes:
    """The SOAP envelope for one purchase order; zeep checks it against the WSDL."""
    client = _client()
    node = client.create_message(
        client.service,
        OPERATION,
        MessageHeader={"ID": message_id, "CreationDateTime": created},
        PurchaseOrder={
            "ID": alpha_in(order, 10),
            "SellerID": seller_order or None,
            "Item": [
                {
                    "ID": item.item,
                    "ScheduleLine": [
                        {
                            "ID": str(number),
                            "DeliveryPeriod": {
                                "StartDateTime": datetime.combine(
                                    line.starts, time(0), tzinfo=UTC
                                )
                            },
                            "Quantity": {
                                "_value_1": qty(line.quantity),
                                "unitCode": item.unit_iso,
                            },
                        }
                        for number, line in enumerate(item.lines, start=1)
                    ],
                }
                for item in items
            ],
        },
    )
    return etree.tostring(node, xml_declaration=True, encoding="UTF-8")


def post(session: requests.Session, url: str, body: bytes) -> requests.Response:
    """Send a stored envelope through zeep's transport on the tenant's session."""
    transport = Transport(
        session=session, cache=None, operation_timeout=TIMEOUT_SECONDS
    )
    headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{soap_action()}"'}
    return transport.post(url, body, headers)


@dataclass
class SoapFault:
    code: str
    message: str
    detail: str

    @property
    def from_sender(self) -> bool:
        """A Client fault: the content is wrong, sending it again cannot help."""
        return self.code.rsplit(":", 1)[-1].lower() in ("client", "sender")

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{text} ({self.detail})" if self.detail else text


def read_fault(response: requests.Response) -> SoapFault | None:
    """The SOAP fault in SAP's answer, read by zeep; None if it holds none."""
    client = _client()
    binding = client.service._binding
    operation = binding._operations[OPERATION]
    try:
        binding.process_reply(client, operation, response)
    except Fault as fault:
        detail = ""
        if fault.detail is not None:
            detail = " ".join(" ".join(fault.detail.itertext()).split())
        return SoapFault(str(fault.code or ""), str(fault.message or ""), detail)
    except TransportError:
        return None
    return None
