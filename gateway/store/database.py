"""The engine, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """One engine and what goes with it; the only way into the store."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.engine = _make_engine(url, echo=echo)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @functools.cached_property
    def lock_scope(self) -> str:
        """The schema this gateway writes to, which scopes its advisory locks."""
        if not self.is_postgres:
            return ""
        with self.engine.connect() as connection:
            return str(connection.exec_driver_sql("SELECT current_schema()").scalar())

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits if the block ends cleanly, else rolls back."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to run on every start."""
        with self.engine.begin() as connection:
            if self.is_postgres:
                # Two nodes starting together must not both create the tables.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7001)")
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        log.info("schema_migrated", revision=self.current_revision())

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def is_current(self) -> bool:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        return self.current_revision() == head

    def dispose(self) -> None:
        self.engine.dispose()


def _fold(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _make_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=10)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; ILIKE compiles to lower() LIKE lower(),
        # so Cyrillic search needs Python's case folding.
        dbapi_connection.create_function("lower", 1, _fold, deterministic=True)

    return engine
