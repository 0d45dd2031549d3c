"""Pipedrive webhooks, v1 (``current``/``previous``) and v2 (``data``), Basic auth."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

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


class Pipedrive:
    kind = "pipedrive"

    def read(self, request: HookRequest) -> list[DealEvent]:
        self._verify(request)
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise HookUnreadable(f"the body is not JSON: {exc}") from exc
        meta = body.get("meta") if isinstance(body, dict) else None
        if not isinstance(meta, dict):
            raise HookUnreadable("a Pipedrive webhook has a meta object")
        if str(meta.get("version", "")) == "2.0":
            return _v2(meta, body)
        return _v1(meta, body)

    def _verify(self, request: HookRequest) -> None:
        login = need(request.settings, "username", self.kind)
        password = need(request.settings, "password", self.kind)
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise HookRefused("Basic credentials are missing")
        try:
            user, _, given = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise HookRefused("Basic credentials are unreadable") from exc
        if not (same_secret(user, login) & same_secret(given, password)):
            raise HookRefused("Basic credentials do not match this hook")

    def answer(self, events: list[DealEvent]) -> Answer:
        return plain_ok(events)


def _v1(meta: dict[str, Any], body: dict[str, Any]) -> list[DealEvent]:
    if meta.get("object") != "deal" or not isinstance(body.get("current"), dict):
        return []
    deal = body["current"]
    micro = meta.get("timestamp_micro") or int(meta.get("timestamp") or 0) * 1_000_000
    return [
        DealEvent(
            deal_id=str(deal.get("id") or meta.get("id")),
            key=f"v1:{meta.get('webhook_id')}:{deal.get('id')}:{micro}",
            sequence=int(micro) // 1000,
            data=_deal_fields(deal),
        )
    ]


def _v2(meta: dict[str, Any], body: dict[str, Any]) -> list[DealEvent]:
    if meta.get("entity") != "deal" or meta.get("action") == "delete":
        return []
    deal = body.get("data") if isinstance(body.get("data"), dict) else {}
    try:
        moment = datetime.fromisoformat(str(meta["timestamp"]).replace("Z", "+00:00"))
    except (KeyError, ValueError) as exc:
        raise HookUnreadable(f"meta.timestamp is unreadable: {exc}") from exc
    return [
        DealEvent(
            deal_id=str(meta.get("entity_id") or deal.get("id")),
            key=f"v2:{meta.get('id')}",
            sequence=int(moment.timestamp() * 1000),
            data=_deal_fields(deal),
        )
    ]


def _deal_fields(deal: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage": deal.get("status"),
        "stage_id": deal.get("stage_id"),
        "title": deal.get("title"),
        "amount": deal.get("value"),
        "currency": deal.get("currency"),
    }
