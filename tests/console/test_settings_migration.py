"""Migration 0007 makes exactly the tables the overlay models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from gateway.hub import Hub

TABLES = ("tenant_requisites", "tenant_addresses")


def test_migrated_overlay_tables_match_the_models(gateway: Hub):
    with gateway.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if any(t in repr(d) for t in TABLES)] == []
