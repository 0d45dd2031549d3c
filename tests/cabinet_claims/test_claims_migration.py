"""Migration 0010 makes exactly the claim and notification tables of the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from gateway.hub import Hub

TABLES = (
    "claims",
    "claim_lines",
    "claim_photos",
    "notification_preferences",
    "notification_digest_items",
    "notification_known_prices",
    "notification_seen_promotions",
)


def test_migrated_claim_and_notification_tables_match_the_models(hub: Hub):
    with hub.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    mine = [d for d in differences if any(t in repr(d) for t in TABLES)]
    assert mine == []
