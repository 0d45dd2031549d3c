"""Alembic environment: runs on the connection the gateway hands it."""

from alembic import context
from sqlmodel import SQLModel

import gateway.store.tables  # noqa: F401 - registers every table on the metadata

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    raise RuntimeError(
        "migrations run through `komus-gateway migrate`, not plain alembic"
    )

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
