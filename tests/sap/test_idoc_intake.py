"""ORDERS05 IDocs posted by SAP's XML-HTTP port become requisitions."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from gateway.hub import Hub
from gateway.store.tables import Message, Requisition, RequisitionLine
from tests.sap.conftest import PORT_PASSWORD, PORT_USER, SAMPLES

ORDERS05 = SAMPLES / "sap" / "idoc_ORDERS05_inbound_SD_smoke.xml"
SOAP = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soap:Body>%s</soap:Body></soap:Envelope>"
)


def _post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{url}/sap/idoc/acme",
        content=body,
        headers={"Content-Type": "text/xml"},
        auth=(PORT_USER, PORT_PASSWORD),
    )


def test_the_orders05_sample_becomes_a_requisition(gateway: Hub, gateway_url: str):
    body = ORDERS05.read_bytes()

    answer = _post(gateway_url, body)

    assert answer.status_code == 200, answer.text
    with gateway.db.session() as session:
        requisition = session.execute(select(Requisition)).scalar_one()
        lines = session.execute(select(RequisitionLine)).scalars().all()
    assert requisition.external_id == "ATLR-20260822-001"
    assert requisition.document_date.isoformat() == "2026-08-22"
    assert [(line.line_no, line.article, line.unit_code) for line in lines] == [
        (10, "TG11", "796"),
        (20, "TG12", "796"),
    ]
    assert [str(line.quantity.normalize()) for line in lines] == ["2", "3"]


def test_the_soap_wrapped_form_is_taken_too(gateway: Hub, gateway_url: str):
    body = SOAP % ORDERS05.read_bytes()

    answer = _post(gateway_url, body)

    assert answer.status_code == 200, answer.text
    assert "created" in answer.text


def test_malformed_xml_gets_400_and_is_kept(gateway: Hub, gateway_url: str):
    body = ORDERS05.read_bytes()[:-40]

    answer = _post(gateway_url, body)

    assert answer.status_code == 400
    assert "not well-formed XML" in answer.text
    with gateway.db.session() as session:
        kept = session.execute(select(Message)).scalar_one()
    assert kept.state == "failed"
    assert kept.payload == body


def test_an_idoc_for_another_receiver_gets_422_and_is_kept(
    gateway: Hub, gateway_url: str
):
    body = ORDERS05.read_bytes().replace(b"A4HCLNT250", b"OTHERCLNT1")

    answer = _post(gateway_url, body)

    assert answer.status_code == 422
    assert "RCVPRN 'OTHERCLNT1'" in answer.text
    with gateway.db.session() as session:
        kept = session.execute(select(Message)).scalar_one()
        requisitions = session.execute(select(Requisition)).all()
    assert kept.state == "failed" and "OTHERCLNT1" in kept.error
    assert requisitions == []


def test_a_wrong_port_password_is_refused(gateway: Hub, gateway_url: str):
    answer = httpx.post(
        f"{gateway_url}/sap/idoc/acme",
        content=ORDERS05.read_bytes(),
        auth=(PORT_USER, "wrong"),
    )

    assert answer.status_code == 401
