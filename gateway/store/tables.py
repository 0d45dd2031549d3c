"""Every table the gateway keeps. Timestamps are aware UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    LargeBinary,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow
from gateway.store.types import Money, Quantity


def _money(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(Money(), nullable=nullable))


def _quantity(default: Decimal | None = None) -> Any:
    return Field(
        default=default, sa_column=Column(Quantity(), nullable=default is None)
    )


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=63)
    legal_name: str
    inn: str = Field(max_length=12)
    kpp: str | None = Field(default=None, max_length=9)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """One payload in or out, exactly as it crossed the wire: the message log."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_tenant_created", "tenant_id", "created_at"),
        Index("ix_messages_dedupe", "tenant_id", "channel", "dedupe_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    channel: str = Field(max_length=32)
    direction: str = Field(max_length=3)  # "in" or "out"
    kind: str = Field(max_length=64)
    state: str = Field(max_length=32, index=True)
    external_id: str | None = Field(default=None, max_length=255)
    revision: str | None = Field(default=None, max_length=64)
    dedupe_key: str | None = Field(default=None, max_length=512)
    content_type: str = Field(default="application/octet-stream", max_length=128)
    filename: str | None = Field(default=None, max_length=255)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = 0
    checksum: str = Field(max_length=64)
    error: str | None = None
    mapping_version: str | None = Field(default=None, max_length=128)
    requisition_id: int | None = Field(default=None, foreign_key="requisitions.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    replay_of: int | None = Field(default=None, foreign_key="messages.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Requisition(SQLModel, table=True):
    """A client's request to buy, in the gateway's terms, from whatever channel."""

    __tablename__ = "requisitions"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "channel",
            "external_id",
            "revision",
            name="uq_requisition_source",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    channel: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    revision: str = Field(default="", max_length=64)
    number: str | None = Field(default=None, max_length=64)
    document_date: date | None = None
    state: str = Field(default="received", max_length=32, index=True)
    hold_reason: str | None = None
    delivery_address_code: str | None = Field(default=None, max_length=64)
    cost_center: str | None = Field(default=None, max_length=64)
    comment: str | None = None
    currency: str = Field(default="RUB", max_length=3)
    message_id: int | None = Field(
        default=None, index=True
    )  # the message that said it last
    mapping_version: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RequisitionLine(SQLModel, table=True):
    __tablename__ = "requisition_lines"
    __table_args__ = (UniqueConstraint("requisition_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    requisition_id: int = Field(foreign_key="requisitions.id", index=True)
    line_no: int
    client_item_code: str | None = Field(default=None, max_length=128)
    client_item_name: str | None = None
    article: str | None = Field(default=None, max_length=32)
    quantity: Decimal = _quantity(Decimal(0))
    unit_code: str = Field(default="796", max_length=4)  # ОКЕИ, "796" = штука
    expected_price: Decimal | None = _money()
    vat_rate: str | None = Field(default=None, max_length=16)


class Order(SQLModel, table=True):
    """A Komus order placed for exactly one requisition."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_tenant_status", "tenant_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    requisition_id: int = Field(foreign_key="requisitions.id", unique=True)
    channel: str = Field(max_length=32)
    number: str | None = Field(default=None, max_length=64)
    komus_order_id: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default="received", max_length=32)
    komus_status_code: str | None = Field(default=None, max_length=16)
    net_total: Decimal | None = _money()
    vat_total: Decimal | None = _money()
    total: Decimal | None = _money()
    currency: str = Field(default="RUB", max_length=3)
    delivery_address_code: str | None = Field(default=None, max_length=64)
    submitted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    line_no: int
    article: str = Field(max_length=32)
    name: str | None = None
    client_item_code: str | None = Field(default=None, max_length=128)
    unit_code: str = Field(default="796", max_length=4)
    price: Decimal | None = _money()
    vat_rate: str | None = Field(default=None, max_length=16)
    net_amount: Decimal | None = _money()
    vat_amount: Decimal | None = _money()
    gross_amount: Decimal | None = _money()
    quantity_ordered: Decimal = _quantity(Decimal(0))
    quantity_confirmed: Decimal | None = _quantity()
    quantity_shipped: Decimal = _quantity(Decimal(0))
    quantity_delivered: Decimal = _quantity(Decimal(0))


class OrderStatusChange(SQLModel, table=True):
    __tablename__ = "order_status_changes"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    reason: str | None = None
    at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    """An invoice, УПД or act, payment or shipment that Komus issued for an order."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "external_id", name="uq_document_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    kind: str = Field(max_length=16)  # invoice, upd, act, payment, shipment
    external_id: str = Field(max_length=128)
    number: str | None = Field(default=None, max_length=64)
    document_date: date | None = None
    net_amount: Decimal | None = _money()
    vat_amount: Decimal | None = _money()
    total: Decimal | None = _money()
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class DocumentFile(SQLModel, table=True):
    __tablename__ = "document_files"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=128)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    checksum: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """Something that happened to a requisition or order, fanned out to channels."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    type: str = Field(max_length=64)
    requisition_id: int | None = Field(default=None, foreign_key="requisitions.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Binding(SQLModel, table=True):
    """An external system's id for one of our records; the key to idempotent imports."""

    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "channel", "kind", "external_id", name="uq_binding"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id")
    channel: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    internal_id: int = Field(index=True)
    synced_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """A payload the gateway owes a target; retried until delivered or dead."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_lease", "state", "lease_expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    channel: str = Field(max_length=32)
    target: str = Field(max_length=2048)
    event_id: int | None = Field(default=None, foreign_key="events.id")
    event_type: str | None = Field(default=None, max_length=64)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)
    content_type: str = Field(default="application/json", max_length=128)
    headers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    max_attempts: int = 8
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = None
    last_error: str | None = None
    replay_of: int | None = Field(default=None, foreign_key="deliveries.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class Attempt(SQLModel, table=True):
    __tablename__ = "attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", index=True)
    number: int
    worker: str | None = Field(default=None, max_length=128)
    outcome: str = Field(max_length=16)  # delivered, failed, lease_expired
    status_code: int | None = None
    error: str | None = None
    response_excerpt: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    duration_ms: int | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)  # admin, integrator, manager, viewer
    tenant_id: str | None = Field(default=None, foreign_key="tenants.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=128)
    tenant_id: str | None = Field(default=None, max_length=63)
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=255)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class KomusRateSlot(SQLModel, table=True):
    """One of a Komus token's request slots, shared by every gateway node.

    A token has ``requests_per_minute`` slots; a request takes the slot used longest
    ago, and only if that use is a whole window old, so no window ever holds more
    requests than there are slots. Only the token's SHA-256 is kept, never the token.
    """

    __tablename__ = "komus_rate_slots"

    token_hash: str = Field(primary_key=True, max_length=64)
    slot: int = Field(primary_key=True)
    used_at: float = 0.0  # seconds since the epoch (node clocks are NTP-synced)


class ItemSuggestion(SQLModel, table=True):
    """A Komus article proposed for one of a client's items, for an integrator.

    Made from a nomenclature upload (the message it came in); confirming it writes
    the client item code → Komus article row into the tenant's item table. An item
    nothing matched is kept too (``unmatched``, no article) so it can be listed.
    """

    __tablename__ = "onec_item_suggestions"
    __table_args__ = (
        Index("ix_onec_item_suggestions_tenant_state", "tenant_id", "state"),
        Index("ix_onec_item_suggestions_item", "tenant_id", "client_item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id")
    message_id: int = Field(foreign_key="messages.id", index=True)
    client_item_id: str = Field(max_length=255)
    client_article: str | None = Field(default=None, max_length=128)
    client_barcode: str | None = Field(default=None, max_length=64)
    client_name: str | None = None
    article: str | None = Field(default=None, max_length=32)  # the Komus article
    komus_name: str | None = None
    method: str | None = Field(default=None, max_length=16)  # barcode, article, name
    confidence: float = 0.0  # 0 to 1
    note: str | None = None
    state: str = Field(default="suggested", max_length=16)
    # suggested, unmatched, confirmed, superseded
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class CrmHook(SQLModel, table=True):
    """A tenant's inbound CRM hook, reached at ``/hooks/{tenant}/{kind}/{secret}``.

    Only the path secret's SHA-256 is kept. ``settings`` holds what the CRM's own
    check needs (application token, client secret, organisation id, Basic login).
    """

    __tablename__ = "crm_hooks"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    kind: str = Field(max_length=16)  # bitrix24, amocrm, hubspot, salesforce, …
    name: str = Field(max_length=128)
    secret_hash: str = Field(max_length=64, unique=True)
    settings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime | None = None
    disabled_at: datetime | None = None


class CrmInboxEvent(SQLModel, table=True):
    """One CRM event taken from a hook body; the unique key makes intake idempotent."""

    __tablename__ = "crm_inbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "event_key", name="uq_crm_inbox_event"),
        Index("ix_crm_inbox_state", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id")
    kind: str = Field(max_length=16)
    hook_id: int = Field(foreign_key="crm_hooks.id")
    message_id: int = Field(foreign_key="messages.id")
    event_key: str = Field(max_length=255)
    deal_id: str = Field(max_length=128)
    sequence: int = Field(  # the CRM's event time in ms (or a version): newer is larger
        default=0, sa_column=Column(BigInteger, nullable=False)
    )
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)
    # pending, working (claimed), ordered (handed to the pipeline), skipped, stale,
    # failed
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    lease_expires_at: datetime | None = None  # while working; then claimable again
    next_attempt_at: datetime | None = None  # pending after a CRM fault: not before
    attempts: int = 0  # claims so far


class CrmDeal(SQLModel, table=True):
    """The newest state of a CRM deal the gateway has acted on."""

    __tablename__ = "crm_deals"

    tenant_id: str = Field(primary_key=True, max_length=63)
    kind: str = Field(primary_key=True, max_length=16)
    deal_id: str = Field(primary_key=True, max_length=128)
    sequence: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    stage: str | None = Field(default=None, max_length=128)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookSubscription(SQLModel, table=True):
    """A tenant's endpoint for signed order events (Standard Webhooks).

    ``secret`` signs every attempt; after a rotation ``previous_secret`` signs too,
    until ``previous_until``, so a subscriber can switch keys without a gap.
    """

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True)
    url: str = Field(max_length=4096)
    event_types: list = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    description: str | None = Field(default=None, max_length=255)
    secret: str = Field(max_length=512)  # sealed, see gateway/vault.py
    previous_secret: str | None = Field(default=None, max_length=512)
    previous_until: datetime | None = None
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConsoleUser(SQLModel, table=True):
    """A person who signs in to the web console; only an argon2 hash of the password.

    ``tenant_id`` None means every tenant. ``failed_logins`` counts wrong passwords
    since the last good one; reaching the configured threshold sets ``locked_at``.
    """

    __tablename__ = "console_users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)  # admin, integrator, manager, accountant, viewer
    tenant_id: str | None = Field(default=None, foreign_key="tenants.id")
    failed_logins: int = 0
    locked_at: datetime | None = None
    disabled_at: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random token, the table its SHA-256."""

    __tablename__ = "console_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="console_users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)


Index("ix_orders_tenant_created", Order.tenant_id, Order.created_at)
"""The console lists a tenant's orders newest first (migration 0006)."""

from gateway.store.tenant_overlay import TenantAddress, TenantRequisites  # noqa: E402, F401, I001
from gateway.store.sap import SapDocument  # noqa: E402, F401, I001
from gateway.store import payloads as _payloads  # noqa: E402, F401, I001
from gateway.store import ordering as _ordering  # noqa: E402, F401, I001
from gateway.store import claims as _claims  # noqa: E402, F401, I001
from gateway.store import notifications as _notifications  # noqa: E402, F401, I001
from gateway.store import finance as _finance  # noqa: E402, F401, I001
from gateway.store import onec_passwords as _onec_passwords  # noqa: E402, F401, I001
