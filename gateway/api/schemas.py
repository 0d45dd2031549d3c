"""The JSON the API answers with.

Amounts are strings with two decimals ("1234.50") and quantities strings with three
("2.000"): a JSON number would reach most clients as a float and lose kopecks.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from gateway.money import QUANTITY_STEP, round_money


def _amount_text(value: Decimal) -> str:
    return str(round_money(value))


def _quantity_text(value: Decimal) -> str:
    return str(value.quantize(QUANTITY_STEP))


Amount = Annotated[
    Decimal,
    PlainSerializer(_amount_text, return_type=str, when_used="json"),
    Field(examples=["1234.50"]),
]
Quantity = Annotated[
    Decimal,
    PlainSerializer(_quantity_text, return_type=str, when_used="json"),
    Field(examples=["2.000"]),
]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- requisitions ------------------------------------------------------------------


class RequisitionSummary(Out):
    id: int
    tenant_id: str
    channel: str
    external_id: str
    revision: str
    number: str | None
    document_date: date | None
    state: str
    hold_reason: str | None
    delivery_address_code: str | None
    cost_center: str | None
    currency: str
    message_id: int | None
    created_at: datetime
    updated_at: datetime


class RequisitionLineOut(Out):
    line_no: int
    client_item_code: str | None
    client_item_name: str | None
    article: str | None
    quantity: Quantity
    unit_code: str
    expected_price: Amount | None
    vat_rate: str | None


class RequisitionDetail(RequisitionSummary):
    comment: str | None
    mapping_version: str | None
    order_id: int | None
    lines: list[RequisitionLineOut]


class IntakeOut(Out):
    """What became of a posted requisition."""

    message_id: int | None
    requisition_id: int | None
    outcome: str = Field(
        description="created, updated, duplicate, stale, cancelled, after_order, failed"
    )
    state: str | None = Field(description="the requisition's state: received, held, …")
    problems: list[str] = Field(description="why it is held or failed, one per line")


class ReplayOut(BaseModel):
    message_id: int
    replays: list[IntakeOut]


# -- orders ------------------------------------------------------------------------


class OrderSummary(Out):
    id: int
    tenant_id: str
    requisition_id: int
    channel: str
    number: str | None
    komus_order_id: str | None
    status: str
    komus_status_code: str | None
    net_total: Amount | None
    vat_total: Amount | None
    total: Amount | None
    currency: str
    delivery_address_code: str | None
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class OrderLineOut(Out):
    line_no: int
    article: str
    name: str | None
    client_item_code: str | None
    unit_code: str
    price: Amount | None
    vat_rate: str | None
    net_amount: Amount | None
    vat_amount: Amount | None
    gross_amount: Amount | None
    quantity_ordered: Quantity
    quantity_confirmed: Quantity | None
    quantity_shipped: Quantity
    quantity_delivered: Quantity


class StatusChangeOut(Out):
    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime


class DocumentFileOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    checksum: str
    created_at: datetime


class DocumentOut(Out):
    id: int
    kind: str
    external_id: str
    number: str | None
    document_date: date | None
    net_amount: Amount | None
    vat_amount: Amount | None
    total: Amount | None
    details: dict[str, Any]
    created_at: datetime
    files: list[DocumentFileOut]


class OrderDetail(OrderSummary):
    lines: list[OrderLineOut]
    status_history: list[StatusChangeOut]
    documents: list[DocumentOut]
    requisition: RequisitionSummary | None


# -- messages ----------------------------------------------------------------------


class MessageSummary(Out):
    id: int
    tenant_id: str
    channel: str
    direction: str
    kind: str
    state: str
    external_id: str | None
    revision: str | None
    content_type: str
    filename: str | None
    size: int
    requisition_id: int | None
    order_id: int | None
    replay_of: int | None
    created_at: datetime
    updated_at: datetime


class MessageDetail(MessageSummary):
    checksum: str = Field(description="SHA-256 of the payload, hex")
    error: str | None
    mapping_version: str | None
    dedupe_key: str | None


# -- deliveries --------------------------------------------------------------------


class DeliverySummary(Out):
    id: int
    tenant_id: str
    channel: str
    target: str
    event_type: str | None
    order_id: int | None
    state: str
    attempts: int = Field(description="attempts made so far")
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    replay_of: int | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class AttemptOut(Out):
    number: int
    worker: str | None
    outcome: str
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None


class DeliveryDetail(DeliverySummary):
    content_type: str
    attempt_history: list[AttemptOut]


# -- tokens ------------------------------------------------------------------------


class TokenOut(Out):
    id: int
    name: str
    role: str
    tenant_id: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="the secret; shown this once and never again")
