"""Named advisory locks: on PostgreSQL real ones, elsewhere always granted.

SQLite serialises writers itself and a SQLite gateway runs on one node, so there the
lock only documents intent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

from gateway.store.database import Database


def advisory_key(db: Database, name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` from a name.

    Advisory locks belong to the whole PostgreSQL database, while a gateway owns
    only its schema; the schema is part of the key so that two gateways (or two
    test runs) in different schemas of one database never wait for each other.
    """
    digest = hashlib.sha1(f"komus-gateway:{db.lock_scope}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def try_lock(db: Database, name: str) -> Iterator[bool]:
    """Hold the lock ``name`` for the block if nobody else does; yields whether held."""
    if not db.is_postgres:
        yield True
        return
    key = advisory_key(db, name)
    with db.engine.connect() as connection:
        held = bool(
            connection.exec_driver_sql(
                "SELECT pg_try_advisory_lock(%s)", (key,)
            ).scalar()
        )
        try:
            yield held
        finally:
            if held:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
            connection.commit()


@contextmanager
def locked_session(db: Database, name: str) -> Iterator[Session]:
    """A session that writes alone for ``name``, from its first read to its commit.

    Read-then-write work (is this revision newer than the stored one?) must not
    interleave with a twin. PostgreSQL takes a transaction-level advisory lock on
    the name; SQLite starts the transaction with ``BEGIN IMMEDIATE``, since its
    driver otherwise begins only at the first write, after the reads.
    """
    with db.session() as session:
        if db.is_postgres:
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": advisory_key(db, name)},
            )
        else:
            session.execute(text("BEGIN IMMEDIATE"))
        yield session
