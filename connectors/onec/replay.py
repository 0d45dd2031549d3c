"""Stored 1C messages read back into records, so an operator can replay them.

A file (``onec.file``, XML or zip) gives every order in it; an order's own
message (its ``Документ``) gives that order. The session record, ``query``
answers and refused logins are records of the exchange, not documents.
"""

from __future__ import annotations

from connectors.onec.reader import Limits, read_orders
from connectors.onec.revisions import normalised
from connectors.onec.zips import ZipLimits, is_zip, read_entries
from gateway.errors import FinalError
from gateway.records import SourceRecord
from gateway.store.tables import Message

NOT_DOCUMENTS = ("onec.session", "onec.query", "onec.login")
REPLAY_LIMITS = Limits(max_bytes=1 << 30)


def read_stored(message: Message) -> list[SourceRecord]:
    if message.kind in NOT_DOCUMENTS:
        raise FinalError(
            f"message {message.id} is a record of the exchange ({message.kind}), "
            "not a document; replay the files it lists instead"
        )
    if is_zip(message.payload[:4]):
        files = read_entries(message.payload, ZipLimits())
        parts = [(name, data) for name, data in files.items() if _is_xml(name)]
    else:
        parts = [(message.filename or "", message.payload)]
    records = []
    for name, data in parts:
        for record in read_orders(
            data,
            tenant_id=message.tenant_id,
            channel=message.channel,
            filename=name or None,
            limits=REPLAY_LIMITS,
        ):
            if record.fields.get("has_goods") or _cancelled(record):
                records.append(normalised(record))
    return records


def _is_xml(name: str) -> bool:
    return name.lower().endswith(".xml")


def _cancelled(record: SourceRecord) -> bool:
    requisites = record.fields.get("requisites") or {}
    return record.fields.get("deletion_mark") == "true" or (
        requisites.get("Отменен") == "true"
    )
