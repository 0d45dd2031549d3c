"""The sandbox's own SQLite file: orders, documents and stock that has moved.

One connection guarded by a lock: the sandbox is small, and serialising every
write is what makes "one order per externalId" hold under concurrent creates
(the UNIQUE key backs it up across processes).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from connectors.komus.sandbox.clock import from_stored, stored
from connectors.komus.sandbox.model import Order

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at TEXT,
    body TEXT NOT NULL,
    UNIQUE (token, external_id)
);
CREATE INDEX IF NOT EXISTS orders_due ON orders (due_at);
CREATE TABLE IF NOT EXISTS stock (
    region TEXT NOT NULL,
    artnumber INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    PRIMARY KEY (region, artnumber)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    amount TEXT NOT NULL,
    amount_nds TEXT NOT NULL,
    shipment_id INTEGER,
    file_name TEXT,
    content_type TEXT,
    content BLOB
);
"""


@dataclass(frozen=True)
class OrderFilter:
    created_from: datetime | None = None
    created_before: datetime | None = None
    statuses: tuple[str, ...] = ()
    modified_since: datetime | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class StoredDocument:
    id: int
    order_id: int
    kind: str
    number: str
    issued_at: datetime
    amount: Decimal
    amount_nds: Decimal
    shipment_id: int | None
    file_name: str | None
    content_type: str | None


@dataclass(frozen=True)
class DocumentDraft:
    kind: str
    number: str
    issued_at: datetime
    amount: Decimal
    amount_nds: Decimal
    shipment_id: int | None = None
    file_name: str | None = None
    content_type: str | None = None
    content: bytes | None = None


class SandboxStore:
    def __init__(self, path: str):
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- orders ----------------------------------------------------------------

    def claim_external_id(
        self, db: sqlite3.Connection, token: str, external_id: str, now: datetime
    ) -> tuple[int, bool]:
        """The order id for this key, and whether the row was inserted just now."""
        inserted = db.execute(
            "INSERT INTO orders (token, external_id, created_at, modified_at, status, "
            "body) VALUES (?, ?, ?, ?, 'N', '{}') "
            "ON CONFLICT (token, external_id) DO NOTHING RETURNING id",
            (token, external_id, stored(now), stored(now)),
        ).fetchone()
        if inserted is not None:
            return inserted[0], True
        existing = db.execute(
            "SELECT id FROM orders WHERE token = ? AND external_id = ?",
            (token, external_id),
        ).fetchone()
        return existing[0], False

    def save_order(
        self, db: sqlite3.Connection, order: Order, due_at: datetime | None
    ) -> None:
        db.execute(
            "UPDATE orders SET modified_at = ?, status = ?, due_at = ?, body = ? "
            "WHERE id = ?",
            (
                stored(order.modified_at),
                order.status,
                stored(due_at) if due_at else None,
                order.to_json(),
                order.id,
            ),
        )

    def order(self, token: str, order_id: int) -> Order | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM orders WHERE id = ? AND token = ? AND body != '{}'",
                (order_id, token),
            ).fetchone()
        return Order.from_json(row[0]) if row else None

    def order_for_update(self, db: sqlite3.Connection, order_id: int) -> Order:
        row = db.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return Order.from_json(row[0])

    def orders(
        self, token: str, where: OrderFilter, offset: int, limit: int
    ) -> tuple[list[Order], int]:
        clauses, params = ["token = ?", "body != '{}'"], [token]
        if where.created_from:
            clauses.append("created_at >= ?")
            params.append(stored(where.created_from))
        if where.created_before:
            clauses.append("created_at < ?")
            params.append(stored(where.created_before))
        if where.statuses:
            clauses.append(f"status IN ({', '.join('?' * len(where.statuses))})")
            params.extend(where.statuses)
        if where.modified_since:
            clauses.append("modified_at >= ?")
            params.append(stored(where.modified_since))
        if where.external_id is not None:
            clauses.append("external_id = ?")
            params.append(where.external_id)
        condition = " AND ".join(clauses)
        with self._lock:
            total = self._db.execute(
                f"SELECT COUNT(*) FROM orders WHERE {condition}", params
            ).fetchone()[0]
            bodies = self._db.execute(
                f"SELECT body FROM orders WHERE {condition} ORDER BY id "
                "LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return [Order.from_json(body) for (body,) in bodies], total

    def due_order_ids(self, now: datetime) -> list[int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM orders WHERE due_at IS NOT NULL AND due_at <= ? "
                "ORDER BY due_at",
                (stored(now),),
            ).fetchall()
        return [order_id for (order_id,) in rows]

    def orders_per_token(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT token, COUNT(*) FROM orders WHERE body != '{}' GROUP BY token"
            ).fetchall()
        return dict(rows)

    def external_ids_used_twice(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT external_id FROM orders GROUP BY token, external_id "
                "HAVING COUNT(*) > 1"
            ).fetchall()
        return [external_id for (external_id,) in rows]

    def latest_change(self) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT MAX(modified_at) FROM orders").fetchone()
        return from_stored(row[0]) if row and row[0] else None

    # -- stock -----------------------------------------------------------------

    def stock(
        self, db: sqlite3.Connection, region: str, artnumber: int, initial: Decimal
    ) -> Decimal:
        row = db.execute(
            "SELECT quantity FROM stock WHERE region = ? AND artnumber = ?",
            (region, artnumber),
        ).fetchone()
        return Decimal(row[0]) if row else initial

    def stock_levels(self, region: str) -> dict[int, Decimal]:
        with self._lock:
            rows = self._db.execute(
                "SELECT artnumber, quantity FROM stock WHERE region = ?", (region,)
            ).fetchall()
        return {artnumber: Decimal(quantity) for artnumber, quantity in rows}

    def set_stock(
        self, db: sqlite3.Connection, region: str, artnumber: int, quantity: Decimal
    ) -> None:
        db.execute(
            "INSERT INTO stock (region, artnumber, quantity) VALUES (?, ?, ?) "
            "ON CONFLICT (region, artnumber) "
            "DO UPDATE SET quantity = excluded.quantity",
            (region, artnumber, str(quantity)),
        )

    # -- documents ---------------------------------------------------------------

    def add_document(
        self, db: sqlite3.Connection, order_id: int, draft: DocumentDraft
    ) -> int:
        return db.execute(
            "INSERT INTO documents (order_id, kind, number, issued_at, amount, "
            "amount_nds, shipment_id, file_name, content_type, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                order_id,
                draft.kind,
                draft.number,
                stored(draft.issued_at),
                str(draft.amount),
                str(draft.amount_nds),
                draft.shipment_id,
                draft.file_name,
                draft.content_type,
                draft.content,
            ),
        ).fetchone()[0]

    def documents(self, order_id: int) -> list[StoredDocument]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE order_id = ? "
                "ORDER BY id",
                (order_id,),
            ).fetchall()
        return [_document(row) for row in rows]

    def document_file(
        self, order_id: int, document_id: int
    ) -> tuple[StoredDocument, bytes | None] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_DOCUMENT_COLUMNS}, content FROM documents "
                "WHERE order_id = ? AND id = ?",
                (order_id, document_id),
            ).fetchone()
        return (_document(row[:-1]), row[-1]) if row else None

    # -- meta and reset ------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM meta WHERE key = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def reset(self) -> None:
        """Empty every table of the file, including those that the sandbox's
        feature modules (claims, promotions, …) create when first used, so a
        reset leaves nothing behind whichever module made it."""
        with self.transaction() as db:
            db.execute("PRAGMA defer_foreign_keys = ON")
            tables = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                db.execute(f'DELETE FROM "{table}"')
            db.execute("DELETE FROM sqlite_sequence")


_DOCUMENT_COLUMNS = (
    "id, order_id, kind, number, issued_at, amount, amount_nds, shipment_id, "
    "file_name, content_type"
)


def _document(row: tuple) -> StoredDocument:
    return StoredDocument(
        id=row[0],
        order_id=row[1],
        kind=row[2],
        number=row[3],
        issued_at=from_stored(row[4]),
        amount=Decimal(row[5]),
        amount_nds=Decimal(row[6]),
        shipment_id=row[7],
        file_name=row[8],
        content_type=row[9],
    )
