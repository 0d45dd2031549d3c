"""The composition root: one object that holds the gateway's parts together.

Connectors plug in through ``Connector.install(hub)``: they add senders, readers, event
routes, periodic jobs and HTTP routers, and never reach into the hub's internals.
"""

from __future__ import annotations

import hashlib
import threading
from importlib.metadata import entry_points
from typing import Protocol

import structlog
from fastapi import APIRouter
from sqlalchemy import select

from gateway.clock import Clock, SystemClock
from gateway.config import Settings, TenantSettings
from gateway.dispatcher import Dispatcher
from gateway.mapping.registry import MappingRegistry
from gateway.metrics import watch_queue
from gateway.outbox import Outbox
from gateway.pipeline import InboundMapper, Pipeline
from gateway.plain import PlainMapper, read_json_message
from gateway.scheduler import PeriodicJob, Scheduler
from gateway.senders import HttpSender, Sender
from gateway.store.database import Database
from gateway.store.tables import ApiToken, Tenant
from gateway.tenant_overlay import install_tenant_overlay
from gateway.vault import Vault, operator_vault

log = structlog.get_logger(__name__)

DEMO_ADMIN_TOKEN = "demo-admin-token"
CONFIG_ADMIN_TOKEN_NAME = "admin (config)"
CONNECTOR_ENTRY_POINTS = "komus_gateway.connectors"


class Connector(Protocol):
    name: str

    def install(self, hub: Hub) -> None: ...


def hash_token(token: str) -> str:
    """API tokens are long random strings, so a plain SHA-256 is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class Hub:
    def __init__(self, settings: Settings, *, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings.database.url, echo=settings.database.echo)
        self.outbox = Outbox(self.db, settings.outbox, clock=self.clock)
        self.pipeline = Pipeline(
            self.db, settings, self.outbox, mapper_for=self.mapper_for, clock=self.clock
        )
        self.pipeline.readers["api"] = read_json_message
        self.mappers: dict[tuple[str, str], InboundMapper] = {}
        self.mapping_registry = MappingRegistry(
            settings.mappings.path(settings.source),
            interval=settings.mappings.reload_interval_seconds,
        )
        self.senders: dict[str, Sender] = {}
        self.routers: list[APIRouter] = []
        self.jobs: list[PeriodicJob] = []
        self.connectors: list[str] = []
        self.default_sender = HttpSender(
            timeout=settings.outbox.request_timeout_seconds,
            allowed_private=settings.outbox.allow_private_targets,
        )
        self.dispatcher = Dispatcher(
            self.outbox,
            self.senders,
            self.default_sender,
            concurrency=settings.outbox.concurrency,
        )
        self.scheduler: Scheduler | None = None
        self.started = False
        watch_queue(self.outbox.depth)

    @property
    def vault(self) -> Vault:
        """Seals and opens the credentials kept in the store (read anew each time,
        so a key put in place for a restart is the one that counts)."""
        return operator_vault(self.settings.secrets.key_path(self.settings.source))

    # -- wiring --------------------------------------------------------------------

    def mapper_for(self, tenant: TenantSettings, channel: str) -> InboundMapper:
        """A mapper set in code, else the channel's YAML mapping, else plain."""
        return (
            self.mappers.get((tenant.id, channel))
            or self.mapping_registry.inbound(tenant.id, channel)
            or PlainMapper()
        )

    def load_connectors(self) -> None:
        for entry in entry_points(group=CONNECTOR_ENTRY_POINTS):
            connector: Connector = entry.load()()
            connector.install(self)
            self.connectors.append(connector.name)
            log.info("connector_installed", connector=connector.name)

    # -- life ----------------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate the schema; bring tenants and the admin token in line with config."""
        self.db.migrate()
        self.sync_tenants()
        install_tenant_overlay(self.db, self.settings)
        self.ensure_admin_token()

    def start(self, *, scheduler: bool) -> None:
        self.prepare()
        self.mapping_registry.start()
        self.load_connectors()
        if scheduler and self.settings.scheduler.enabled:
            self.scheduler = self._build_scheduler()
            self.scheduler.start()
        self.started = True

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.mapping_registry.stop()
        self.dispatcher.close()
        self.default_sender.close()
        self.db.dispose()
        self.started = False

    def _build_scheduler(self) -> Scheduler:
        settings = self.settings.scheduler
        scheduler = Scheduler(self.db, settings)
        # Every node dispatches: claims with SKIP LOCKED keep the nodes apart.
        scheduler.add(
            PeriodicJob(
                "dispatch",
                settings.dispatch_interval_seconds,
                self.dispatcher.run_once,
                singleton=False,
            )
        )
        # Submission locks each requisition while it is sent, so every node may run it.
        scheduler.add(
            PeriodicJob(
                "submit",
                settings.dispatch_interval_seconds,
                self.pipeline.submit_ready,
                singleton=False,
            )
        )
        scheduler.add(
            PeriodicJob(
                "housekeeping",
                settings.housekeeping_interval_seconds,
                self.housekeeping,
            )
        )
        for job in self.jobs:
            scheduler.add(job)
        return scheduler

    def run_worker(self, stop: threading.Event) -> None:
        """Every job ``serve`` runs, without the HTTP server: a node for scaling out.

        Dispatch and submission claim their work row by row, so any number of workers
        share them; singleton jobs run on one node at a time under their locks.
        """
        self.start(scheduler=True)
        log.info("worker_started", connectors=self.connectors)
        try:
            stop.wait()
        finally:
            self.stop()

    def housekeeping(self) -> None:
        self.outbox.reclaim_expired()

    # -- tenants and tokens --------------------------------------------------------

    def sync_tenants(self) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            for tenant in self.settings.tenants:
                row = session.get(Tenant, tenant.id)
                if row is None:
                    row = Tenant(
                        id=tenant.id, legal_name=tenant.legal_name, inn=tenant.inn
                    )
                row.legal_name = tenant.legal_name
                row.inn = tenant.inn
                row.kpp = tenant.kpp
                row.updated_at = now
                session.add(row)

    def ensure_admin_token(self) -> None:
        """Make sure the configured admin token exists; warn about the demo one."""
        secret = self.settings.server.admin_token
        token = secret.get_secret_value() if secret else ""
        if not token:
            return
        if token == DEMO_ADMIN_TOKEN:
            log.warning(
                "demo_admin_token_in_use",
                next_step="set GATEWAY_ADMIN_TOKEN before exposing this gateway",
            )
        digest = hash_token(token)
        now = self.clock.now()
        with self.db.session() as session:
            # A token that config no longer names (the demo one, say) stops working.
            stale = session.execute(
                select(ApiToken).where(
                    ApiToken.name == CONFIG_ADMIN_TOKEN_NAME,
                    ApiToken.token_hash != digest,
                    ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
                )
            ).scalars()
            for old in stale:
                old.revoked_at = now
                log.warning("config_admin_token_replaced", token_id=old.id)
            existing = session.execute(
                select(ApiToken).where(ApiToken.token_hash == digest)
            ).scalar_one_or_none()
            if existing is None:
                session.add(
                    ApiToken(
                        name=CONFIG_ADMIN_TOKEN_NAME, token_hash=digest, role="admin"
                    )
                )
            elif existing.name == CONFIG_ADMIN_TOKEN_NAME:
                existing.revoked_at = None
