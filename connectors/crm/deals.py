"""The deal as the CRM holds it now: fetched from its API where the hook is thin.

Hooks say which deal changed and little more; the products never come with them.
Each CRM's API is asked for the deal and its products with the credentials in the
hook's settings, always through the guarded client, since those URLs are written by
a tenant. Salesforce without API access and the generic hook use what the event
carried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connectors.crm import salesforce_api
from connectors.crm.amocrm_api import AmoApi
from connectors.crm.hubspot_api import HubSpotApi
from connectors.crm.pipedrive_api import PipedriveApi
from connectors.crm.portal import Portal
from connectors.crm.rest import setting
from connectors.crm.salesforce_api import SalesforceApi
from gateway.store.tables import CrmHook, CrmInboxEvent
from gateway.vault import Vault

Fetch = Callable[[CrmHook, CrmInboxEvent], dict[str, Any]]


class DealFetcher:
    """Callable the inbox uses: ``(hook, inbox row) -> deal``.

    A deal is ``{"stage", "title", "number", "currency"?, "lines": [{"item_code",
    "name", "quantity", "unit_code"?, "price"}]}``.
    """

    def __init__(self, client: httpx.Client, vault: Vault):
        self.client = client
        self.vault = vault

    def __call__(self, hook: CrmHook, row: CrmInboxEvent) -> dict[str, Any]:
        settings = self.vault.open_settings(hook.settings or {})
        kind = row.kind
        if kind == "bitrix24":
            rest_url = setting(
                settings, "rest_url", kind, "to fetch the deal and its product rows"
            )
            return Portal(rest_url, self.client).deal_record(row.deal_id)
        if kind == "amocrm":
            return AmoApi(settings, self.client).deal(row.deal_id)
        if kind == "hubspot":
            return HubSpotApi(settings, self.client).deal(row.deal_id)
        if kind == "pipedrive":
            return PipedriveApi(settings, self.client).deal(row.deal_id)
        carried = _carried(row)
        if kind == "salesforce" and salesforce_api.configured(settings):
            lines = SalesforceApi(settings, self.client).lines(row.deal_id)
            carried["lines"] = lines
        return carried


def _carried(row: CrmInboxEvent) -> dict[str, Any]:
    data = row.data or {}
    stage = data.get("stage")
    return {
        "stage": None if stage in (None, "") else str(stage),
        "title": data.get("title"),
        "number": data.get("number"),
        "lines": list(data.get("lines") or []),
    }
