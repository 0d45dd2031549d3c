"""Stored 1C messages read back into records, so an operator can replay them.

A file (``onec.file``, XML or zip) gives every order in it; an order's own
message (its ``Документ``) gives that order. The session record, ``query``
answers and refused logins are records of the exchange, not documents.

A file may be hundreds of megabytes, kept in chunks (``gateway/store/payloads.py``):
it is read as a stream, one order at a time. It is read twice — once to check
that it parses to the end, then to hand out its orders — so that a broken file
replays nothing rather than its first half.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO

from connectors.onec.reader import Limits, iter_orders
from connectors.onec.revisions import normalised
from connectors.onec.zips import ZipLimits, is_zip, open_entries
from gateway.errors import FinalError
from gateway.records import SourceRecord
from gateway.store.database import Database
from gateway.store.payloads import open_payload, payload_head, spool_payload
from gateway.store.tables import Message

NOT_DOCUMENTS = ("onec.session", "onec.query", "onec.login")
REPLAY_LIMITS = Limits(max_bytes=1 << 30)

Reader = Callable[[Message], Iterator[SourceRecord]]


def stored_reader(db: Database) -> Reader:
    """The pipeline's reader for channel ``onec``: reads payloads from ``db``."""

    def read(message: Message) -> Iterator[SourceRecord]:
        return read_stored(db, message)

    return read


def read_stored(db: Database, message: Message) -> Iterator[SourceRecord]:
    """Every order of a stored message, checked to the end before the first."""
    if message.kind in NOT_DOCUMENTS:
        raise FinalError(
            f"message {message.id} is a record of the exchange ({message.kind}), "
            "not a document; replay the files it lists instead"
        )
    for _ in _orders(db, message):
        pass
    return _orders(db, message)


def _orders(db: Database, message: Message) -> Iterator[SourceRecord]:
    with ExitStack() as stack:
        for name, stream in _parts(db, message, stack):
            for record in iter_orders(
                stream,
                tenant_id=message.tenant_id,
                channel=message.channel,
                filename=name or None,
                limits=REPLAY_LIMITS,
            ):
                if record.fields.get("has_goods") or _cancelled(record):
                    yield normalised(record)


def _parts(
    db: Database, message: Message, stack: ExitStack
) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, stream) of each XML file in the message: itself, or a zip's entries."""
    if not is_zip(payload_head(db, message, 4)):
        yield message.filename or "", stack.enter_context(open_payload(db, message))
        return
    spooled = stack.enter_context(spool_payload(db, message))
    for name, entry in open_entries(spooled, ZipLimits()):
        if _is_xml(name):
            with entry:
                yield name, entry


def _is_xml(name: str) -> bool:
    return name.lower().endswith(".xml")


def _cancelled(record: SourceRecord) -> bool:
    requisites = record.fields.get("requisites") or {}
    return record.fields.get("deletion_mark") == "true" or (
        requisites.get("Отменен") == "true"
    )
