"""The 1C connector: the CommerceML exchange endpoint, plugged into the hub."""

from __future__ import annotations

import os
from pathlib import Path

import structlog

from connectors.onec.articles import ArticleFallback
from connectors.onec.credentials import Directory
from connectors.onec.importer import Importer
from connectors.onec.protocol import Protocol
from connectors.onec.pull import PullQueue, PullRoute, wait_for_query
from connectors.onec.replay import stored_reader
from connectors.onec.revisions import CHANGE_CHANNEL, ChangeSender
from connectors.onec.routes import EXCHANGE_PATHS, exchange_router
from connectors.onec.sessions import SessionStore
from connectors.onec.settings import CHANNEL
from connectors.onec.uploads import UploadArea
from gateway.config import Settings
from gateway.hub import Hub
from gateway.scheduler import PeriodicJob

log = structlog.get_logger(__name__)

UPLOADS_VARIABLE = "GATEWAY_ONEC_UPLOADS"
SWEEP_SECONDS = 600


def upload_root(settings: Settings) -> Path:
    """``$GATEWAY_ONEC_UPLOADS``, else ``var/onec-uploads`` beside config.yaml."""
    configured = os.environ.get(UPLOADS_VARIABLE)
    if configured:
        return Path(configured)
    base = Path.cwd() if settings.source.startswith("<") else Path(settings.source)
    return (base if base.is_dir() else base.parent) / "var" / "onec-uploads"


class OneCConnector:
    name = "onec"

    def __init__(self) -> None:
        self.protocol: Protocol | None = None
        self.importer: Importer | None = None
        self.changes: ChangeSender | None = None

    def install(self, hub: Hub) -> None:
        """The exchange routes, the pull side of the outbox, replay and changes.

        A tenant's ``channels.onec`` that cannot be used stops the start here,
        naming the key, rather than leaving that tenant's 1C locked out.
        """
        directory = Directory(hub.settings, hub.db)
        sessions = SessionStore(hub.db, hub.clock)
        uploads = UploadArea(upload_root(hub.settings))
        self.importer = Importer(hub, uploads, sessions)
        self.protocol = Protocol(
            hub, directory, sessions, uploads, self.importer, PullQueue(hub)
        )
        self.changes = ChangeSender(hub)
        hub.routers.append(exchange_router(hub, self.protocol))
        hub.pipeline.readers[CHANNEL] = stored_reader(hub.db)
        hub.pipeline.routes.append(
            PullRoute(hub, [profile.tenant_id for profile in directory.profiles()])
        )
        hub.senders[CHANNEL] = wait_for_query
        hub.senders[CHANGE_CHANNEL] = self.changes
        for tenant in hub.settings.tenants:
            hub.mappers[(tenant.id, CHANNEL)] = ArticleFallback(
                hub.mapping_registry, tenant.id, CHANNEL
            )
        hub.jobs.append(
            PeriodicJob(
                "onec-import-sweep", SWEEP_SECONDS, self.importer.sweep, singleton=False
            )
        )
        hub.jobs.append(
            PeriodicJob(
                "onec-cancel-refusals", SWEEP_SECONDS, self.protocol.refusals.tell
            )
        )
        log.info(
            "onec_connector_ready",
            paths=list(EXCHANGE_PATHS),
            tenants=[profile.tenant_id for profile in directory.profiles()],
            uploads=str(uploads.root),
        )

    def close(self) -> None:
        if self.changes is not None:
            self.changes.close()
