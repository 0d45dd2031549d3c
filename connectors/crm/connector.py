"""The CRM connector: inbound deal hooks and outbound signed webhooks."""

from __future__ import annotations

import structlog

from connectors.crm.amocrm import AmoCrm
from connectors.crm.api import admin_router
from connectors.crm.bitrix24 import Bitrix24
from connectors.crm.deals import DealFetcher
from connectors.crm.fanout import CHANNEL as WEBHOOK_CHANNEL
from connectors.crm.fanout import webhook_deliveries
from connectors.crm.generic import GenericJson
from connectors.crm.hooks import HookStore
from connectors.crm.hubspot import HubSpot
from connectors.crm.inbound import Adapter
from connectors.crm.inbox import CHANNEL, Inbox, read_deal_record
from connectors.crm.intake import hook_router
from connectors.crm.pipedrive import Pipedrive
from connectors.crm.reseal import require_key, reseal
from connectors.crm.salesforce import Salesforce
from connectors.crm.sender import WebhookSender
from connectors.crm.subscriptions import Subscriptions
from gateway.hub import Hub
from gateway.netguard import Resolver, guarded_client
from gateway.scheduler import PeriodicJob
from gateway.vault import Vault

log = structlog.get_logger(__name__)

INBOX_JOB = "crm-inbox"
INBOX_INTERVAL_SECONDS = 5.0


class CrmConnector:
    name = "crm"

    def __init__(
        self, *, resolver: Resolver | None = None, vault: Vault | None = None
    ) -> None:
        self.resolver = resolver
        self.vault = vault
        self.adapters: dict[str, Adapter] = {
            adapter.kind: adapter
            for adapter in (
                Bitrix24(),
                AmoCrm(),
                HubSpot(),
                Salesforce(),
                Pipedrive(),
                GenericJson(),
            )
        }
        self.inbox: Inbox | None = None
        self.sender: WebhookSender | None = None
        self.subscriptions: Subscriptions | None = None

    def install(self, hub: Hub) -> None:
        vault = self.vault or hub.vault
        require_key(hub.db, vault)
        if vault.ready:
            reseal(hub.db, vault)
        allowed = hub.settings.outbox.allow_private_targets
        crm_client = guarded_client(
            timeout=hub.settings.outbox.request_timeout_seconds,
            allowed=allowed,
            resolver=self.resolver,
        )

        hooks = HookStore(hub.db, hub.clock, vault)
        self.inbox = Inbox(hub, DealFetcher(crm_client, vault))
        self.subscriptions = Subscriptions(
            hub.db, hub.clock, allowed=allowed, resolver=self.resolver, vault=vault
        )
        self.sender = WebhookSender(hub, resolver=self.resolver, vault=vault)

        hub.routers.append(hook_router(hooks, self.inbox, self.adapters))
        hub.routers.append(
            admin_router(hub, hooks, self.subscriptions, sorted(self.adapters))
        )
        hub.pipeline.readers[CHANNEL] = read_deal_record
        hub.pipeline.routes.append(webhook_deliveries)
        hub.senders[WEBHOOK_CHANNEL] = self.sender
        hub.jobs.append(
            PeriodicJob(INBOX_JOB, INBOX_INTERVAL_SECONDS, self.inbox.run_once)
        )
        log.info("crm_connector_ready", kinds=sorted(self.adapters))
