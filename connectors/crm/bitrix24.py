"""Bitrix24 outgoing webhooks and application events (form body, static token).

The body names only the deal (``data[FIELDS][ID]``); the deal and its product rows
are fetched from the portal later, by the inbox job (see ``portal.py``).
"""

from __future__ import annotations

from connectors.crm.brackets import FormRefused, parse_form
from connectors.crm.inbound import (
    Answer,
    DealEvent,
    HookRefused,
    HookRequest,
    HookUnreadable,
    need,
    plain_ok,
    same_secret,
)

DEAL_EVENTS = {"ONCRMDEALADD", "ONCRMDEALUPDATE"}


class Bitrix24:
    kind = "bitrix24"

    def read(self, request: HookRequest) -> list[DealEvent]:
        try:
            form = parse_form(request.body)
        except FormRefused as exc:
            raise HookUnreadable(str(exc)) from exc
        auth = form.get("auth")
        auth = auth if isinstance(auth, dict) else {}
        expected = need(request.settings, "application_token", self.kind)
        if not same_secret(auth.get("application_token"), expected):
            raise HookRefused("auth[application_token] does not match this hook")
        member = request.settings.get("member_id")
        if member and not same_secret(auth.get("member_id"), member):
            raise HookRefused("auth[member_id] is not the portal of this hook")

        event = str(form.get("event", "")).upper()
        if event not in DEAL_EVENTS:
            return []
        data = form.get("data")
        fields = data.get("FIELDS") if isinstance(data, dict) else None
        deal_id = fields.get("ID") if isinstance(fields, dict) else None
        ts = str(form.get("ts", ""))
        if not deal_id or not ts.isdigit():
            raise HookUnreadable(f"{event} without data[FIELDS][ID] or ts")
        return [
            DealEvent(
                deal_id=str(deal_id),
                key=f"{event}:{deal_id}:{ts}",
                sequence=int(ts) * 1000,
                data={"event": event},
            )
        ]

    def answer(self, events: list[DealEvent]) -> Answer:
        return plain_ok(events)
