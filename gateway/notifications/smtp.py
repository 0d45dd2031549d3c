"""The ``email`` channel's sender: one stored message, one SMTP transaction.

SMTP's own answer decides what happens next: a 5xx for the recipient or the message
refuses it for good (the delivery ends dead with the server's words); a 4xx, a
refused login or a server that cannot be reached is retried on the outbox's
schedule. Nothing is lost while the server is down: the message waits in the outbox.
"""

from __future__ import annotations

import smtplib
import ssl
from email.parser import BytesHeaderParser

import structlog

from gateway.errors import FinalError, RetryableError
from gateway.notifications.settings import SmtpSettings
from gateway.outbox import Claimed
from gateway.senders import SendResult

log = structlog.get_logger(__name__)

LOGIN_REFUSED = 535


class SmtpSender:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    @property
    def server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def __call__(self, claimed: Claimed) -> SendResult:
        try:
            with self._connect() as client:
                client.sendmail(
                    self.settings.from_address, [claimed.target], claimed.payload
                )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise self._refusal(code, reason, "the recipient") from exc
        except smtplib.SMTPResponseException as exc:
            raise self._refusal(exc.smtp_code, exc.smtp_error, "the message") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise RetryableError(
                f"cannot reach the SMTP server {self.server}: {exc!r}"
            ) from exc
        message_id = BytesHeaderParser().parsebytes(claimed.payload)["Message-ID"]
        log.info(
            "email_sent",
            delivery_id=claimed.id,
            tenant=claimed.tenant_id,
            event_type=claimed.event_type,
            message_id=message_id,
        )
        return SendResult(250, f"accepted by {self.server} as {message_id}")

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        timeout = settings.timeout_seconds
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        try:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.login:
                password = (
                    settings.password.get_secret_value() if settings.password else ""
                )
                client.login(settings.login, password)
        except BaseException:
            client.close()
            raise
        return client

    def _refusal(
        self, code: int, reason: bytes | str, what: str
    ) -> RetryableError | FinalError:
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else reason
        message = f"the SMTP server {self.server} answered {code} for {what}: {text}"
        if code == LOGIN_REFUSED:
            return RetryableError(
                message + "; check smtp.login and smtp.password", status_code=code
            )
        if 500 <= code < 600:
            return FinalError(message, status_code=code, response_excerpt=text)
        return RetryableError(message, status_code=code, response_excerpt=text)
