"""Sends a queued IDoc into SAP with a CSRF token, and reads SAP's answer.

SAP's own error text goes on the attempt (``response_excerpt``), so an operator sees
what SAP said without opening SAP. A 5xx (a short dump), a logon page or a refused
logon is retried on the channel's schedule; any other 4xx is SAP refusing the
content, final until someone fixes it and replays.
"""

from __future__ import annotations

import threading

import requests
import structlog

from connectors.sap.errors import SapError, SapRefused, error_for
from connectors.sap.session import SapSession
from connectors.sap.settings import SapChannel, sap_channel
from gateway.config import Settings
from gateway.errors import FinalError, RetryableError
from gateway.outbox import EXCERPT_CHARS, Claimed
from gateway.senders import RETRYABLE_CLIENT_ERRORS, SendResult

log = structlog.get_logger(__name__)


class SapSender:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, SapSession] = {}
        self.lock = threading.Lock()

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
            response = session.write(
                claimed.target,
                claimed.payload,
                content_type=claimed.content_type,
                token_url=channel.service_url(),
            )
        except SapError as error:
            raise _as_delivery_error(error) from error
        except requests.RequestException as error:
            raise RetryableError(
                f"cannot reach SAP at {claimed.target}: {error!r}"
            ) from error
        if response.status_code < 300:
            log.info(
                "sap_document_sent",
                tenant=claimed.tenant_id,
                delivery_id=claimed.id,
                event_type=claimed.event_type,
                status=response.status_code,
            )
            return SendResult(response.status_code, response.text[:EXCERPT_CHARS])
        raise _as_delivery_error(
            error_for(
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
                tenant=claimed.tenant_id,
                url=claimed.target,
            )
        )


def _as_delivery_error(error: SapError) -> RetryableError | FinalError:
    excerpt = error.sap_message or error.body[:EXCERPT_CHARS].decode("utf-8", "replace")
    final = (
        isinstance(error, SapRefused)
        and error.status is not None
        and error.status not in RETRYABLE_CLIENT_ERRORS
    )
    kind = FinalError if final else RetryableError
    return kind(str(error), status_code=error.status, response_excerpt=excerpt)
