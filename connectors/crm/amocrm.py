"""amoCRM / Kommo account webhooks: form body in the api/v2 shape, no signature.

``leads[status][0][id]=…&leads[status][0][status_id]=…``; several entities and
indices may arrive in one body. The hook's path secret is the authentication; the
account id is pinned when the hook names one.
"""

from __future__ import annotations

from typing import Any

from connectors.crm.brackets import FormRefused, items, parse_form
from connectors.crm.inbound import (
    Answer,
    DealEvent,
    HookRefused,
    HookRequest,
    HookUnreadable,
    plain_ok,
)

LEAD_ACTIONS = ("add", "update", "status")


class AmoCrm:
    kind = "amocrm"

    def read(self, request: HookRequest) -> list[DealEvent]:
        try:
            form = parse_form(request.body)
        except FormRefused as exc:
            raise HookUnreadable(str(exc)) from exc
        account = request.settings.get("account_id")
        leads = form.get("leads")
        events = []
        for action in LEAD_ACTIONS:
            group = leads.get(action) if isinstance(leads, dict) else None
            for lead in items(group):
                if isinstance(lead, dict):
                    events.append(self._event(action, lead, account))
        if account and not events:
            sent = form.get("account", {})
            if isinstance(sent, dict) and sent.get("id") not in (None, str(account)):
                raise HookRefused("account[id] is not the account of this hook")
        return events

    def _event(self, action: str, lead: dict[str, Any], account: Any) -> DealEvent:
        if account and str(lead.get("account_id", "")) != str(account):
            raise HookRefused("the lead's account_id is not the account of this hook")
        lead_id = str(lead.get("id", ""))
        modified = str(lead.get("last_modified") or lead.get("updated_at") or "")
        if not lead_id or not modified.isdigit():
            raise HookUnreadable(f"leads[{action}] item without id or last_modified")
        return DealEvent(
            deal_id=lead_id,
            key=f"leads:{action}:{lead_id}:{modified}:{lead.get('status_id', '')}",
            sequence=int(modified) * 1000,
            data={
                "stage": lead.get("status_id"),
                "pipeline": lead.get("pipeline_id"),
                "title": lead.get("name"),
                "amount": lead.get("price"),
            },
        )

    def answer(self, events: list[DealEvent]) -> Answer:
        return plain_ok(events)
