"""Who wants to hear about what, and what the watchers last saw.

Each console user keeps one ``NotificationPreference``: an e-mail address, and per
kind of news ``off``, ``immediate`` (one e-mail per event) or ``digest`` (gathered
into one e-mail a day). Digest news waits in ``DigestItem`` rows until the day's
digest takes it. ``KnownPrice`` and ``SeenPromotion`` are what the price and
promotion watchers compare Komus's answers with.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow
from gateway.store.types import Money


class NotificationPreference(SQLModel, table=True):
    __tablename__ = "notification_preferences"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="console_users.id", unique=True)
    tenant_id: str | None = Field(default=None, foreign_key="tenants.id", index=True)
    email: str | None = Field(default=None, max_length=254)
    modes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    price_threshold_percent: Decimal = Field(
        default=Decimal("5"), sa_column=Column(Money(), nullable=False)
    )
    last_digest_on: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class DigestItem(SQLModel, table=True):
    """One event waiting for a user's next daily digest."""

    __tablename__ = "notification_digest_items"
    __table_args__ = (Index("ix_digest_items_pending", "user_id", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="console_users.id")
    event_id: int = Field(foreign_key="events.id")
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class KnownPrice(SQLModel, table=True):
    """The last Komus price the price watcher saw for an article a tenant buys."""

    __tablename__ = "notification_known_prices"

    tenant_id: str = Field(primary_key=True, max_length=63)
    article: str = Field(primary_key=True, max_length=32)
    price: Decimal = Field(sa_column=Column(Money(), nullable=False))
    seen_at: datetime = Field(default_factory=utcnow)


class SeenPromotion(SQLModel, table=True):
    """A Komus promotion already announced to a tenant."""

    __tablename__ = "notification_seen_promotions"

    tenant_id: str = Field(primary_key=True, max_length=63)
    promotion_id: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow)
