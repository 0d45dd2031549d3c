"""Migration 0012 makes exactly the table the model describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from gateway.hub import Hub

TABLE = "sap_documents"


def test_migrated_sap_documents_table_matches_the_model(gateway: Hub):
    with gateway.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if TABLE in repr(d)] == []
