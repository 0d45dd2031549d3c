"""Large message payloads go to the store in chunks and come back byte for byte."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.onec.replay import read_stored
from gateway.store.database import Database
from gateway.store.payloads import (
    CHUNK_BYTES,
    INLINE_BYTES,
    MessageChunk,
    is_chunked,
    iter_payload,
    open_payload,
    payload_head,
    store_stream,
)
from gateway.store.tables import Message, Tenant
from tests.onec.conftest import UT11_ORDERS
from tests.onec.harness import count


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    with database.session() as session:
        session.add(Tenant(id="demo", legal_name="ООО Ромашка", inn="7707083893"))
    yield database
    database.dispose()


class _Trickle(io.RawIOBase):
    """A source that hands out a few bytes a read, as a socket or pipe may."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._data.read(min(len(buffer), 70_001))
        buffer[: len(data)] = data
        return len(data)


def _message(**fields: object) -> Message:
    defaults: dict = {
        "tenant_id": "demo",
        "channel": "onec",
        "direction": "in",
        "kind": "onec.file",
        "state": "received",
        "content_type": "application/xml",
        "payload": b"",
        "checksum": "",
    }
    return Message(**(defaults | fields))


def _stored(db: Database, message_id: int) -> Message:
    with db.session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


@pytest.mark.parametrize(
    "size",
    [0, 1, INLINE_BYTES, INLINE_BYTES + 1, 3 * CHUNK_BYTES, 3 * CHUNK_BYTES + 17],
)
def test_a_payload_of_any_size_reads_back_byte_for_byte(db, size):
    data = bytes(i * 7 % 251 for i in range(size))

    message_id = store_stream(db, _message(), _Trickle(data))

    stored = _stored(db, message_id)
    assert b"".join(iter_payload(db, stored)) == data
    assert open_payload(db, stored).read() == data
    assert stored.size == size
    assert stored.checksum == hashlib.sha256(data).hexdigest()
    assert is_chunked(stored) == (size > INLINE_BYTES)
    assert payload_head(db, stored, 10) == data[:10]


def test_only_payloads_above_the_inline_size_are_chunked(db):
    small = store_stream(db, _message(), io.BytesIO(b"x" * INLINE_BYTES))
    large = store_stream(db, _message(), io.BytesIO(b"x" * (2 * CHUNK_BYTES + 1)))

    assert count(_HubLike(db), MessageChunk, MessageChunk.message_id == small) == 0
    assert count(_HubLike(db), MessageChunk, MessageChunk.message_id == large) == 3
    assert _stored(db, small).payload == b"x" * INLINE_BYTES
    assert _stored(db, large).payload == b""


def test_a_chunked_zip_replays_its_orders(db, tmp_path: Path):
    archive = tmp_path / "orders.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.write(UT11_ORDERS, "documents___1.xml")
        bundle.writestr("padding.bin", bytes(range(256)) * 8192)
    assert archive.stat().st_size > INLINE_BYTES
    with archive.open("rb") as source:
        message_id = store_stream(
            db, _message(content_type="application/zip", filename="o.zip"), source
        )

    records = list(read_stored(db, _stored(db, message_id)))

    assert is_chunked(_stored(db, message_id))
    assert [r.external_id for r in records]
    assert {r.filename for r in records} == {"documents___1.xml"}


class _HubLike:
    """``count`` in the harness wants something with a ``db``."""

    def __init__(self, db: Database):
        self.db = db
