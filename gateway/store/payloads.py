"""Message payloads too big for one row, kept as a run of chunks beside it.

A message's bytes normally sit in ``messages.payload``. A payload longer than
``INLINE_BYTES`` (a 200 MB orders file from 1C, say) is written instead as
numbered rows of ``message_chunks`` while it is read from its source, so that
neither storing nor reading it back ever holds it whole in memory. Such a
message keeps an empty ``payload`` with the real ``size`` and ``checksum``:
``size`` larger than the stored ``payload`` is how a chunked message is told.

Whoever reads a payload that may be large goes through ``iter_payload``,
``open_payload`` or ``payload_head`` rather than ``message.payload``; for an
inline payload they hand back the row's bytes. The message row and all of its
chunks are written in one transaction, so a message is never seen half-stored.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

from sqlalchemy import Column, LargeBinary, insert, select
from sqlmodel import Field, SQLModel

from gateway.store.database import Database
from gateway.store.tables import Message

CHUNK_BYTES = 1 << 20
INLINE_BYTES = CHUNK_BYTES
"""Payloads up to this many bytes stay in the message row, as they always did."""
SPOOL_BYTES = 8 << 20
"""A spooled payload (for readers that must seek, like zip) moves to disk past this."""


class MessageChunk(SQLModel, table=True):
    """One piece of a large message payload; ``seq`` counts from 0 in byte order."""

    __tablename__ = "message_chunks"

    message_id: int = Field(foreign_key="messages.id", primary_key=True)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def is_chunked(message: Message) -> bool:
    return message.size > len(message.payload or b"")


def store_stream(db: Database, message: Message, source: BinaryIO) -> int:
    """Store ``message`` with the bytes read from ``source`` as its payload.

    ``size`` and ``checksum`` are set from what was read; the payload goes
    inline when it is short, else chunk by chunk. Returns the new message id.
    """
    digest = hashlib.sha256()
    first = _read_full(source, INLINE_BYTES + 1)
    digest.update(first)
    with db.session() as session:
        if len(first) <= INLINE_BYTES:
            message.payload, message.size = first, len(first)
            message.checksum = digest.hexdigest()
            session.add(message)
            session.flush()
            assert message.id is not None
            return message.id

        message.payload, message.size, message.checksum = b"", 0, ""
        session.add(message)
        session.flush()
        assert message.id is not None
        size, seq, pending = 0, 0, first
        while pending:
            piece, pending = pending[:CHUNK_BYTES], pending[CHUNK_BYTES:]
            if len(piece) < CHUNK_BYTES:
                more = _read_full(source, CHUNK_BYTES - len(piece))
                digest.update(more)
                piece += more
            session.execute(
                insert(MessageChunk.__table__),  # type: ignore[attr-defined]
                {"message_id": message.id, "seq": seq, "data": piece},
            )
            seq += 1
            size += len(piece)
            if not pending:
                pending = _read_full(source, CHUNK_BYTES)
                digest.update(pending)
        message.size = size
        message.checksum = digest.hexdigest()
        return message.id


def iter_payload(db: Database, message: Message) -> Iterator[bytes]:
    """The payload as it was stored, a chunk at a time.

    Each chunk is fetched on its own, so no database driver buffers the rest.
    """
    if not is_chunked(message):
        if message.payload:
            yield message.payload
        return
    seq = 0
    while True:
        with db.session() as session:
            data = session.execute(
                select(MessageChunk.data).where(  # type: ignore[call-overload]
                    MessageChunk.message_id == message.id, MessageChunk.seq == seq
                )
            ).scalar_one_or_none()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def payload_head(db: Database, message: Message, limit: int) -> bytes:
    """At most the first ``limit`` bytes: enough to show or sniff a payload."""
    head = bytearray()
    for chunk in iter_payload(db, message):
        head += chunk[: limit - len(head)]
        if len(head) >= limit:
            break
    return bytes(head)


class PayloadStream(io.RawIOBase):
    """A stored payload as a readable, forward-only binary stream."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def open_payload(db: Database, message: Message) -> BinaryIO:
    """The payload as a buffered stream, for parsers that read a file."""
    stream = io.BufferedReader(PayloadStream(iter_payload(db, message)), CHUNK_BYTES)
    return stream  # type: ignore[return-value]


def spool_payload(db: Database, message: Message) -> IO[bytes]:
    """The payload in a seekable temporary file (on disk when large), rewound."""
    spooled: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=SPOOL_BYTES
    )
    for chunk in iter_payload(db, message):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def _read_full(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes, fewer only at the end: a raw stream may return short reads."""
    parts, wanted = [], size
    while wanted > 0:
        data = source.read(wanted)
        if not data:
            break
        parts.append(data)
        wanted -= len(data)
    return b"".join(parts)
