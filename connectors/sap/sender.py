"""Sends a queued document into SAP by the route it was queued for.

    IDoc-XML (application/xml)   POST to /sap/bc/idoc_xml with a CSRF token
    SOAP (text/xml)              POST of the stored envelope through zeep
    OData (sap-write header)     create or change through odata_sender

SAP's own error text goes on the attempt (``response_excerpt``): the JSON error's
message, a SOAP fault's code and text, or a short dump's runtime error, so an
operator sees what SAP said without opening SAP. A 5xx (a short dump), a logon page,
a refused logon or a stale ETag is retried on the channel's schedule; any other 4xx
and a SOAP Client fault are SAP refusing the content, final until someone fixes it
and replays.
"""

from __future__ import annotations

import threading

import requests
import structlog

from connectors.sap import soap
from connectors.sap.errors import (
    SapError,
    SapRefused,
    SapServerError,
    error_for,
    is_html,
)
from connectors.sap.odata_sender import STALE, WRITE, ODataWrites
from connectors.sap.session import SapSession
from connectors.sap.settings import SapChannel, sap_channel
from gateway.config import Settings
from gateway.errors import FinalError, RetryableError
from gateway.outbox import EXCERPT_CHARS, Claimed
from gateway.senders import RETRYABLE_CLIENT_ERRORS, SendResult
from gateway.store.database import Database

log = structlog.get_logger(__name__)


class SapSender:
    def __init__(self, settings: Settings, db: Database):
        self.settings = settings
        self.sessions: dict[str, SapSession] = {}
        self.lock = threading.Lock()
        self.odata = ODataWrites(db)

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()

    def _session(self, channel: SapChannel) -> SapSession:
        with self.lock:
            session = self.sessions.get(channel.tenant_id)
            if session is None or session.channel != channel:
                session = self.sessions[channel.tenant_id] = SapSession(channel)
            return session

    def __call__(self, claimed: Claimed) -> SendResult:
        tenant = self.settings.tenant(claimed.tenant_id)
        channel = sap_channel(tenant) if tenant else None
        if channel is None:
            raise FinalError(f"tenant {claimed.tenant_id!r} has no SAP channel now")
        session = self._session(channel)
        try:
            response = self._send(channel, session, claimed)
        except SapError as error:
            raise _as_delivery_error(error) from error
        except requests.RequestException as error:
            raise RetryableError(
                f"cannot reach SAP at {claimed.target}: {error!r}"
            ) from error
        if response.status_code >= 300:
            raise _as_delivery_error(
                error_for(
                    response.status_code,
                    response.headers.get("content-type", ""),
                    response.content,
                    tenant=claimed.tenant_id,
                    url=claimed.target,
                )
            )
        log.info(
            "sap_document_sent",
            tenant=claimed.tenant_id,
            delivery_id=claimed.id,
            event_type=claimed.event_type,
            status=response.status_code,
        )
        return SendResult(response.status_code, response.text[:EXCERPT_CHARS])

    def _send(
        self, channel: SapChannel, session: SapSession, claimed: Claimed
    ) -> requests.Response:
        if claimed.headers.get(WRITE):
            return self.odata.send(session, claimed)
        if claimed.content_type.startswith("text/xml"):
            return self._soap(session, claimed)
        return session.write(
            claimed.target,
            claimed.payload,
            content_type=claimed.content_type,
            token_url=channel.service_url(),
        )

    @staticmethod
    def _soap(session: SapSession, claimed: Claimed) -> requests.Response:
        """SOAP needs no CSRF token; a fault is read by zeep into code and text."""
        response = soap.post(session.http, claimed.target, claimed.payload)
        if response.status_code < 300:
            return response
        content_type = response.headers.get("content-type", "")
        fault = None
        if not is_html(content_type, response.content):
            fault = soap.read_fault(response)
        if fault is None:
            return response  # a dump page or a refused logon: read as any answer
        kind = SapRefused if fault.from_sender else SapServerError
        raise kind(
            "SAP answered the confirmation with a SOAP fault",
            tenant=session.channel.tenant_id,
            url=claimed.target,
            status=response.status_code,
            sap_message=str(fault),
            body=response.content,
        )


def _as_delivery_error(error: SapError) -> RetryableError | FinalError:
    excerpt = error.sap_message or error.body[:EXCERPT_CHARS].decode("utf-8", "replace")
    final = (
        isinstance(error, SapRefused)
        and error.status is not None
        and error.status not in RETRYABLE_CLIENT_ERRORS
        and error.status not in STALE
    )
    kind = FinalError if final else RetryableError
    return kind(str(error), status_code=error.status, response_excerpt=excerpt)
