"""Records whose fields already carry the canonical names: the REST API's own channel.

The ``PlainMapper`` is also what a channel uses until an integrator gives it a mapping.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gateway.config import TenantSettings
from gateway.errors import FinalError
from gateway.money import to_decimal, to_quantity
from gateway.records import LineDraft, RequisitionDraft, SourceRecord
from gateway.store.tables import Message


class PlainMapper:
    version = "plain/1"

    def to_requisition(
        self, tenant: TenantSettings, record: SourceRecord
    ) -> RequisitionDraft:
        problems: list[str] = []
        fields = record.fields
        lines = []
        for index, raw in enumerate(record.lines, start=1):
            line_no = _integer(
                raw.get("line_no"), index, f"line {index}: line_no", problems
            )
            where = f"line {line_no}"
            lines.append(
                LineDraft(
                    line_no=line_no,
                    quantity=_convert(
                        to_quantity, raw.get("quantity"), f"{where}: quantity", problems
                    )
                    or Decimal(0),
                    unit_code=str(raw.get("unit_code") or "796"),
                    client_item_code=_text(raw.get("client_item_code")),
                    client_item_name=_text(raw.get("client_item_name")),
                    article=_text(raw.get("article")),
                    expected_price=_convert(
                        to_decimal,
                        raw.get("expected_price"),
                        f"{where}: expected_price",
                        problems,
                    ),
                    vat_rate=_text(raw.get("vat_rate")),
                )
            )
        return RequisitionDraft(
            lines=lines,
            number=_text(fields.get("number")),
            document_date=_date(fields.get("document_date"), problems),
            delivery_address_code=_text(fields.get("delivery_address_code"))
            or _default_address(tenant),
            cost_center=_text(fields.get("cost_center")),
            comment=_text(fields.get("comment")),
            currency=_text(fields.get("currency")) or "RUB",
            cancelled=_flag(fields.get("cancelled"), "cancelled", problems),
            problems=problems,
        )


def read_json_message(message: Message) -> list[SourceRecord]:
    """The reader for the API channel: the stored body is the record as JSON."""
    try:
        body = json.loads(message.payload)
    except (ValueError, RecursionError) as exc:
        raise FinalError(f"message {message.id} is not JSON: {exc!r:.200}") from exc
    return [record_from_json(message.tenant_id, message.channel, body, message.payload)]


def record_from_json(
    tenant_id: str, channel: str, body: dict[str, Any], payload: bytes
) -> SourceRecord:
    if not isinstance(body, dict) or body.get("external_id") in (None, ""):
        raise FinalError("the body is not a requisition: it has no external_id")
    fields = {
        k: v for k, v in body.items() if k not in ("external_id", "revision", "lines")
    }
    return SourceRecord(
        tenant_id=tenant_id,
        channel=channel,
        external_id=str(body["external_id"]),
        revision="" if body.get("revision") is None else str(body["revision"]),
        payload=payload,
        content_type="application/json",
        fields=fields,
        lines=[line for line in body.get("lines") or [] if isinstance(line, dict)],
    )


def _default_address(tenant: TenantSettings) -> str | None:
    return next((a.code for a in tenant.delivery_addresses if a.default), None)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _flag(value: Any, where: str, problems: list[str]) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    problems.append(f"{where}: must be true or false, got {str(value)[:40]!r}")
    return False


def _convert(
    convert: Any, value: Any, where: str, problems: list[str]
) -> Decimal | None:
    if value is None or value == "":
        if where.endswith(": quantity"):
            problems.append(f"{where} is missing")
        return None
    if isinstance(value, (bool, dict, list)):
        problems.append(f"{where}: {str(value)[:40]!r} is not a number")
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: {str(exc)[:200]}")
        return None


def _integer(value: Any, default: int, where: str, problems: list[str]) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    problems.append(f"{where}: {text[:40]!r} is not a whole number")
    return default


def _date(value: Any, problems: list[str]) -> date | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text).date()
    except ValueError:
        problems.append(f"document_date: {text[:40]!r} is not a date like 2026-03-31")
        return None
