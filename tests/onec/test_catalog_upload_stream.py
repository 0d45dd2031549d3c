"""A nomenclature uploaded by 1C in chunks is matched without reading a file whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.onec.catalog_match import match_catalog_upload
from gateway.store.payloads import CHUNK_BYTES, is_chunked
from gateway.store.tables import Message
from tests.onec_catalog.builders import ClientGood, client_goods, import_xml, offers_xml

FILE_LIMIT = CHUNK_BYTES


@pytest.fixture
def large_catalog(sandbox) -> dict[str, bytes]:
    """Deleted items with long names first, so the real ones lie megabytes in."""
    long_name = "Папка-регистратор с арочным механизмом, подробное описание " * 30
    goods = [
        ClientGood(f"filler-{n:05d}", f"{long_name} {n}", deleted=True)
        for n in range(1500)
    ] + client_goods(sandbox.catalog)
    files = {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}
    assert len(files["import.xml"]) > 3 * FILE_LIMIT
    return files


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": FILE_LIMIT}])
def test_a_chunked_catalog_upload_is_matched_as_the_whole_files_are(
    onec, gateway, large_catalog, monkeypatch
):
    read_bytes = Path.read_bytes

    def refuse_uploads(path: Path) -> bytes:
        if "onec-uploads" in path.parts:
            pytest.fail(f"{path} was read whole")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_uploads)
    onec.checkauth()
    assert f"file_limit={FILE_LIMIT}" in onec.init(type_="catalog").lines
    for name, data in large_catalog.items():
        answers = onec.upload(name, data, type_="catalog")
        assert [a.first for a in answers] == ["success"] * len(answers)

    streamed = onec.call("import", "catalog", filename="import.xml")
    whole = match_catalog_upload(gateway, "demo", large_catalog)

    assert streamed.first == "success", streamed.text
    assert streamed.lines[1] == "import.xml: catalog; offers.xml: offers"
    assert streamed.lines[2] == whole.lines()[1]
    with gateway.db.session() as session:
        kept = session.execute(
            select(Message).where(
                Message.kind == "catalog", Message.filename == "import.xml"
            )
        ).scalars()
        first = next(iter(kept))
    assert is_chunked(first) and first.size == len(large_catalog["import.xml"])
