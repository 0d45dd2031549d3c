"""Plugs notifications into the hub: the e-mail route, the SMTP sender, the digest."""

from __future__ import annotations

import structlog

from gateway.hub import Hub
from gateway.notifications.digest import Digest
from gateway.notifications.route import CHANNEL, EmailRoute
from gateway.notifications.smtp import SmtpSender
from gateway.scheduler import PeriodicJob

log = structlog.get_logger(__name__)

DIGEST_JOB = "notification-digest"


class NotificationsConnector:
    name = "notifications"

    def __init__(self) -> None:
        self.digest: Digest | None = None

    def install(self, hub: Hub) -> None:
        smtp = hub.settings.smtp
        self.digest = Digest(hub)
        hub.pipeline.routes.append(EmailRoute(hub.settings))
        hub.senders[CHANNEL] = SmtpSender(smtp)
        hub.jobs.append(
            PeriodicJob(
                DIGEST_JOB,
                hub.settings.notifications.digest_check_seconds,
                self.digest.run_once,
            )
        )
        if not smtp.enabled:
            log.warning(
                "smtp_disabled",
                next_step="e-mail notifications are not sent; set smtp.enabled, "
                "smtp.host and smtp.from_address in config.yaml to send them",
            )
            return
        log.info(
            "notifications_ready",
            smtp=f"{smtp.host}:{smtp.port}",
            security=smtp.security,
            digest_hour=hub.settings.notifications.digest_hour,
            time_zone=hub.settings.notifications.time_zone,
        )
