"""The public event types and their thin payloads: ``type``, ``timestamp``, ``data``.

``data`` carries ids, the status, amounts as strings and links to the gateway's own
API for anything larger; a subscriber fetches the rest. Every type has a JSON Schema
in ``schemas/events/<type>.json``.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from gateway.store.tables import Document, Event, Order, Requisition

EVENT_TYPES = (
    "requisition.received",
    "requisition.held",
    "order.submitted",
    "order.confirmed",
    "order.status_changed",
    "order.cancelled",
    "invoice.issued",
    "upd.issued",
    "payment.received",
    "payment.overdue",
    "shipment.dispatched",
    "claim.submitted",
    "claim.answered",
    "price.changed",
    "promotion.published",
    "webhook.endpoint_disabled",
)
CABINET_TYPES = {
    "claim.submitted": "claim",
    "claim.answered": "claim",
    "price.changed": "price",
    "promotion.published": "promotion",
    "payment.overdue": "invoice",
}
"""Types whose ``data`` says what changed under one key, from the event's own data."""
DOCUMENT_TYPES = {
    "invoice.issued",
    "upd.issued",
    "payment.received",
    "payment.overdue",
    "shipment.dispatched",
}
API = "/api/v1"


def payload_for(session: Session, event: Event) -> dict[str, Any] | None:
    """The body subscribers get for ``event``; None for types not published."""
    if event.type not in EVENT_TYPES:
        return None
    data: dict[str, Any] = {"event_id": str(event.id)}
    if event.requisition_id is not None:
        data["requisition"] = _requisition(session, event.requisition_id, event)
    if event.order_id is not None:
        data["order"] = _order(session, event.order_id)
    if event.type in DOCUMENT_TYPES and event.document_id is not None:
        data["document"] = _document(session, event.document_id)
    if event.type == "webhook.endpoint_disabled":
        # Told to the tenant's other endpoints; the disabled one gets nothing more.
        told = event.data or {}
        data["subscription"] = {
            "id": str(told.get("subscription_id")),
            "url": told.get("url"),
            "reason": told.get("reason"),
        }
    if event.type in CABINET_TYPES:
        data[CABINET_TYPES[event.type]] = cabinet_body(event)
    return {
        "type": event.type,
        "timestamp": _iso(event.created_at),
        "data": data,
    }


def _requisition(session: Session, requisition_id: int, event: Event) -> dict[str, Any]:
    found = session.get(Requisition, requisition_id)
    body: dict[str, Any] = {"id": str(requisition_id)}
    if found is not None:
        body |= {
            "external_id": found.external_id,
            "revision": found.revision,
            "state": found.state,
        }
    reasons = (event.data or {}).get("reasons")
    if event.type == "requisition.held":
        body["reasons"] = [str(r) for r in reasons or []]
    return body


def _order(session: Session, order_id: int) -> dict[str, Any]:
    found = session.get(Order, order_id)
    body: dict[str, Any] = {"id": str(order_id), "link": f"{API}/orders/{order_id}"}
    if found is not None:
        body |= {
            "number": found.number,
            "komus_order_id": found.komus_order_id,
            "status": str(getattr(found.status, "value", found.status)),
            "currency": found.currency,
            "total": _amount(found.total),
        }
    return body


def _document(session: Session, document_id: int) -> dict[str, Any]:
    found = session.get(Document, document_id)
    body: dict[str, Any] = {"id": str(document_id)}
    if found is not None:
        body |= {
            "kind": found.kind,
            "number": found.number,
            "date": found.document_date.isoformat() if found.document_date else None,
            "total": _amount(found.total),
            "link": f"{API}/orders/{found.order_id}/documents/{document_id}",
        }
    return body


def cabinet_body(event: Event) -> dict[str, Any]:
    """A claim, price change or promotion as the event recorded it, ids as text."""
    body = {
        key: (
            str(value)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
        )
        for key, value in (event.data or {}).items()
    }
    if event.type.startswith("claim."):
        body["id"] = body.pop("claim_id", None)
        body["link"] = f"{API}/claims/{body['id']}"
    return body


def _amount(value: Any) -> str | None:
    return None if value is None else str(value)


def _iso(moment: Any) -> str:
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if text.endswith("+00:00") else text + "Z"
