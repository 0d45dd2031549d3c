"""Migration 0008 makes exactly the ordering tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from gateway.hub import Hub

TABLES = (
    "cost_centers",
    "cost_center_budgets",
    "approval_rules",
    "approvals",
    "cart_lines",
    "order_templates",
    "order_template_lines",
)


def test_migrated_ordering_tables_match_the_models(hub: Hub):
    with hub.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if any(t in repr(d) for t in TABLES)] == []
    names = set(SQLModel.metadata.tables)
    assert set(TABLES) <= names
