"""The SAP sandbox refuses writes the way SAP does, in SAP's own formats."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from tests.sap.conftest import SAP_PASSWORD, SAP_USER, SapSandbox

ODATA = "/sap/opu/odata/sap"
DELIVERIES = f"{ODATA}/API_INBOUND_DELIVERY_SRV;v=0002"
INVOICES = f"{ODATA}/API_SUPPLIERINVOICE_PROCESS_SRV"
SOAP = "/sap/bc/srt/scs/sap/orderconfirmationrequest_in"
DELIVERY = {
    "Supplier": "0000100200",
    "to_DeliveryDocumentItem": {
        "results": [
            {
                "ReferenceSDDocument": "4500000028",
                "ReferenceSDDocumentItem": "10",
                "ActualDeliveryQuantity": "2.000",
                "DeliveryQuantityUnit": "ST",
            }
        ]
    },
}


@pytest.fixture
def client(sap_sandbox: SapSandbox) -> Iterator[httpx.Client]:
    """A logged-on client holding a CSRF token and its session cookie."""
    with httpx.Client(
        base_url=sap_sandbox.url,
        auth=(SAP_USER, SAP_PASSWORD),
        params={"sap-client": "100"},
    ) as http:
        answer = http.get(f"{DELIVERIES}/", headers={"x-csrf-token": "Fetch"})
        http.headers["x-csrf-token"] = answer.headers["x-csrf-token"]
        yield http


def _message(answer: httpx.Response) -> str:
    return answer.json()["error"]["message"]["value"]


def test_two_invoices_in_one_request_are_refused(client: httpx.Client):
    answer = client.post(f"{INVOICES}/A_SupplierInvoice", json=[{}, {}])

    assert answer.status_code == 400
    assert "one deep create per request" in _message(answer)


def test_a_decimal_sent_as_a_number_is_refused(client: httpx.Client):
    body = {**DELIVERY, "to_DeliveryDocumentItem": {"results": [
        {**DELIVERY["to_DeliveryDocumentItem"]["results"][0],
         "ActualDeliveryQuantity": 2}
    ]}}  # fmt: skip

    answer = client.post(f"{DELIVERIES}/A_InbDeliveryHeader", json=body)

    assert answer.status_code == 400
    assert "decimals are sent as strings" in _message(answer)


def test_a_property_sap_does_not_let_anyone_create_is_refused(client: httpx.Client):
    answer = client.post(
        f"{DELIVERIES}/A_InbDeliveryHeader", json={**DELIVERY, "DeliveryDate": "x"}
    )

    assert answer.status_code == 400
    assert "'DeliveryDate'" in _message(answer)


def test_a_change_without_if_match_is_428_and_with_a_stale_one_412(
    client: httpx.Client,
):
    created = client.post(f"{DELIVERIES}/A_InbDeliveryHeader", json=DELIVERY).json()
    item = created["d"]["to_DeliveryDocumentItem"]["results"][0]
    url = item["__metadata"]["uri"].split(ODATA, 1)[1]
    change = {"ActualDeliveryQuantity": "1.000"}

    missing = client.patch(f"{ODATA}{url}", json=change)
    current = client.patch(
        f"{ODATA}{url}", json=change, headers={"If-Match": item["__metadata"]["etag"]}
    )
    stale = client.patch(
        f"{ODATA}{url}", json=change, headers={"If-Match": item["__metadata"]["etag"]}
    )

    assert missing.status_code == 428
    assert current.status_code == 204
    assert stale.status_code == 412
    assert "Precondition failed" in _message(stale)


def test_a_confirmation_without_schedule_lines_gets_a_soap_client_fault(
    client: httpx.Client,
):
    envelope = (
        b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        b'<soap-env:Body><n0:OrderConfirmationRequest xmlns:n0="http://sap.com/xi/EDI">'
        b"<MessageHeader><ID>1</ID><CreationDateTime>2026-02-10T08:00:00Z"
        b"</CreationDateTime></MessageHeader><PurchaseOrder><ID>4500000028</ID>"
        b"<Item><ID>10</ID></Item></PurchaseOrder></n0:OrderConfirmationRequest>"
        b"</soap-env:Body></soap-env:Envelope>"
    )

    answer = client.post(
        SOAP, content=envelope, headers={"Content-Type": "text/xml; charset=utf-8"}
    )

    assert answer.status_code == 500
    fault = etree.fromstring(answer.content).find(".//{*}Fault")
    assert fault.findtext("faultcode") == "soap-env:Client"
    assert "ScheduleLine" in fault.findtext("detail")
