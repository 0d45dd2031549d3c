"""The hand-written migration makes exactly the table the model describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from gateway.hub import Hub

TABLE = "onec_item_suggestions"


def test_migrated_suggestions_table_matches_the_model(bare_gateway: Hub):
    with bare_gateway.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if TABLE in repr(d)] == []


def test_migrated_message_chunks_table_matches_the_model(bare_gateway: Hub):
    with bare_gateway.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if "message_chunks" in repr(d)] == []
