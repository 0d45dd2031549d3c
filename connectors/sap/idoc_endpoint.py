"""Where SAP's XML-HTTP port posts ORDERS05 IDocs: ``POST /sap/idoc/{tenant}``.

Basic auth with the tenant's port user. Every IDoc's control record must name this
gateway as receiver (RCVPRN, and RCVPOR when configured) and carry message ORDERS or
ORDCHG; otherwise nothing in the request is taken, the body is kept as a failed
message with the reason, and SAP gets a 4xx saying why. A taken IDoc is one
requisition.
"""

from __future__ import annotations

import base64
import binascii
import hmac

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from connectors.sap.idoc_xml import Idoc, IdocUnreadable, read_idocs
from connectors.sap.orders05 import CONTENT_TYPE, record_from_idoc
from connectors.sap.settings import CHANNEL, SapChannel, sap_channel
from connectors.sap.units import UnitTable
from gateway.pipeline import Pipeline
from gateway.records import SourceRecord

log = structlog.get_logger(__name__)

MESSAGE_TYPES = ("ORDERS", "ORDCHG")


def idoc_router(pipeline: Pipeline, units: UnitTable, max_bytes: int) -> APIRouter:
    router = APIRouter()

    @router.post("/sap/idoc/{tenant_id}")
    async def receive_idocs(tenant_id: str, request: Request) -> Response:
        tenant = pipeline.settings.tenant(tenant_id)
        channel = sap_channel(tenant) if tenant else None
        if channel is None or not channel.idoc_password:
            return _answer(404, f"no SAP IDoc intake is configured for {tenant_id!r}")
        if not _logged_on(channel, request.headers.get("authorization", "")):
            return _answer(401, "logon refused", {"WWW-Authenticate": "Basic"})
        body = await request.body()
        if len(body) > max_bytes:
            return _answer(413, f"the body is larger than {max_bytes} bytes")

        try:
            idocs = read_idocs(body)
            for number, idoc in enumerate(idocs, start=1):
                _check_control(channel, idoc, number)
        except IdocUnreadable as problem:
            message_id = pipeline.keep_refused(
                SourceRecord(
                    tenant_id=tenant_id,
                    channel=CHANNEL,
                    external_id="",
                    payload=body,
                    kind="idoc",
                    content_type=CONTENT_TYPE,
                ),
                str(problem),
            )
            status = 422 if isinstance(problem, ControlRefused) else 400
            return _answer(status, f"{problem} (kept as message {message_id})")

        taken = [pipeline.receive(record_from_idoc(tenant_id, i, units)) for i in idocs]
        log.info(
            "sap_idocs_received",
            tenant=tenant_id,
            idocs=len(idocs),
            outcomes=[intake.outcome for intake in taken],
        )
        lines = [
            f"IDOC {n}: {intake.outcome} (message {intake.message_id})"
            for n, intake in enumerate(taken, start=1)
        ]
        return _answer(200, "\n".join(lines))

    return router


class ControlRefused(IdocUnreadable):
    """Readable, but not addressed to this gateway or not an order."""


def _check_control(channel: SapChannel, idoc: Idoc, number: int) -> None:
    control = idoc.control
    message_type = control.get("MESTYP", "")
    if message_type not in MESSAGE_TYPES:
        raise ControlRefused(
            f"IDOC {number}: message type {message_type!r} is not taken here "
            f"(only {', '.join(MESSAGE_TYPES)})"
        )
    receiver = control.get("RCVPRN", "")
    if receiver != channel.idoc_partner:
        raise ControlRefused(
            f"IDOC {number}: receiver partner RCVPRN {receiver!r} is not this "
            f"gateway ({channel.idoc_partner!r}); check the partner profile (WE20)"
        )
    port = control.get("RCVPOR", "")
    if channel.idoc_port and port != channel.idoc_port:
        raise ControlRefused(
            f"IDOC {number}: receiver port RCVPOR {port!r} is not this gateway's "
            f"port ({channel.idoc_port!r})"
        )


def _logged_on(channel: SapChannel, header: str) -> bool:
    if not header.lower().startswith("basic "):
        return False
    try:
        login, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(login, channel.idoc_login) and hmac.compare_digest(
        password.encode(), channel.idoc_password.encode()
    )


def _answer(
    status: int, text: str, headers: dict[str, str] | None = None
) -> PlainTextResponse:
    return PlainTextResponse(text + "\n", status_code=status, headers=headers)
