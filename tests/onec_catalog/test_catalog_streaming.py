"""A nomenclature of several megabytes is matched from streams, never read whole."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from connectors.onec.catalog_match import (
    CatalogMatchResult,
    CatalogUploadRefused,
    match_catalog_upload,
)
from gateway.hub import Hub
from gateway.store.payloads import CHUNK_BYTES, is_chunked, iter_payload
from gateway.store.tables import ItemSuggestion, Message

from .builders import EXTERNAL_ENTITY, ClientGood, client_goods, import_xml, offers_xml
from .conftest import KomusSandbox

FILLERS = 1500
LONGEST_READ = 2 * CHUNK_BYTES
"""No single read may take more than this: a whole multi-megabyte file is far more."""


class NoWholeReads(io.RawIOBase):
    """A file that answers only reads of a bounded size, and counts them."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > LONGEST_READ:
            raise AssertionError(f"a read of {size} bytes: the file was read whole")
        self.reads += 1
        return self._data.read(size)

    def readall(self) -> bytes:
        raise AssertionError("readall(): the file was read whole")

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _large_goods(komus_sandbox: KomusSandbox) -> list[ClientGood]:
    """Deleted items with long names first, so the real ones lie megabytes in."""
    long_name = "Бумага для офисной техники, упаковка с подробным описанием " * 30
    fillers = [
        ClientGood(f"filler-{n:05d}", f"{long_name} {n}", deleted=True)
        for n in range(FILLERS)
    ]
    return fillers + client_goods(komus_sandbox.catalog)


@pytest.fixture
def large_upload(komus_sandbox: KomusSandbox) -> dict[str, bytes]:
    goods = _large_goods(komus_sandbox)
    files = {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}
    assert len(files["import.xml"]) > 3 * CHUNK_BYTES
    return files


def _outcome(hub: Hub, result: CatalogMatchResult) -> dict[str, Any]:
    with hub.db.session() as session:
        rows = session.execute(
            select(ItemSuggestion).where(ItemSuggestion.message_id == result.message_id)
        ).scalars()
        proposals = sorted(
            (r.client_item_id, r.article, r.method, r.confidence, r.client_barcode)
            for r in rows
        )
    return {
        "files": result.files,
        "counts": (
            result.items,
            result.by_barcode,
            result.by_article,
            result.by_name,
            result.unmatched,
            result.already_mapped,
            result.skipped,
        ),
        "proposals": proposals,
    }


def test_streamed_files_match_exactly_as_whole_files_do(
    gateway: Hub, large_upload: dict[str, bytes]
):
    whole = match_catalog_upload(gateway, "acme", large_upload)
    opened: list[NoWholeReads] = []

    def opener(data: bytes):
        def open_it() -> NoWholeReads:
            opened.append(NoWholeReads(data))
            return opened[-1]

        return open_it

    streamed = match_catalog_upload(
        gateway, "acme", {name: opener(data) for name, data in large_upload.items()}
    )

    assert _outcome(gateway, streamed) == _outcome(gateway, whole)
    assert streamed.skipped == FILLERS + 2
    assert streamed.matched == 18
    assert [stream.reads > 3 for stream in opened] == [True, True]


def test_upload_files_given_by_path_are_kept_in_chunks(
    gateway: Hub, large_upload: dict[str, bytes], tmp_path, monkeypatch
):
    folder = tmp_path / "upload"
    folder.mkdir()
    paths = {}
    for name, data in large_upload.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    read_bytes = type(folder).read_bytes

    def refuse_uploads(path):
        if folder in path.parents:
            pytest.fail(f"{path} was read whole")
        return read_bytes(path)

    monkeypatch.setattr(type(folder), "read_bytes", refuse_uploads)

    result = match_catalog_upload(gateway, "acme", paths)

    with gateway.db.session() as session:
        kept = {
            m.filename: m
            for m in session.execute(
                select(Message).where(Message.id.in_(result.message_ids.values()))
            ).scalars()
        }
    import_message = kept["import.xml"]
    assert is_chunked(import_message) and import_message.payload == b""
    assert import_message.size == len(large_upload["import.xml"])
    assert (
        b"".join(iter_payload(gateway.db, import_message))
        == (large_upload["import.xml"])
    )
    assert {m.state for m in kept.values()} == {"processed"}
    assert import_message.revision == import_message.checksum[:16]


def test_a_hostile_file_among_large_ones_refuses_the_upload_and_all_are_kept(
    gateway: Hub, large_upload: dict[str, bytes]
):
    files = {"import.xml": large_upload["import.xml"], "offers.xml": EXTERNAL_ENTITY}

    with pytest.raises(CatalogUploadRefused) as refused:
        match_catalog_upload(
            gateway,
            "acme",
            {name: (lambda d=data: NoWholeReads(d)) for name, data in files.items()},
        )

    assert refused.value.filename == "offers.xml"
    with gateway.db.session() as session:
        kept = {m.filename: m for m in session.execute(select(Message)).scalars()}
    assert {m.state for m in kept.values()} == {"failed"}
    assert kept["import.xml"].size == len(files["import.xml"])
    assert "offers.xml of the same upload was refused" in kept["import.xml"].error
    with gateway.db.session() as session:
        assert session.execute(select(ItemSuggestion)).first() is None
