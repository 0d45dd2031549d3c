"""Upload names and zip archives, checked before anything is written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from connectors.onec.filenames import UnsafeFilename, safe_path
from connectors.onec.zips import ZipLimits, ZipRefused, unpack
from tests.onec.conftest import UT11_ORDERS


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("import.xml", "import.xml"),
        ("documents___9f1c.xml", "documents___9f1c.xml"),
        ("goods/1/import___a1.xml", "goods/1/import___a1.xml"),
        ("import_files\\24\\photo.png", "import_files/24/photo.png"),
        ("./offers0_1.xml", "offers0_1.xml"),
    ],
)
def test_plain_and_nested_names_are_kept_as_relative_paths(sent: str, kept: str):
    assert safe_path(sent) == kept


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("../../etc/passwd", "climbs out"),
        ("goods/../../x.xml", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("C:\\v8_8789_c.xml", "absolute path"),
        ("\\\\server\\share\\x.xml", "absolute path"),
        ("a\x00b.xml", "control characters"),
        ("", "names no file"),
    ],
)
def test_names_that_could_escape_are_refused_with_the_reason(sent: str, reason: str):
    with pytest.raises(UnsafeFilename, match=reason):
        safe_path(sent)


def archive(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def test_an_archive_unpacks_into_its_folder(tmp_path: Path):
    path = tmp_path / "a.zip"
    path.write_bytes(archive({"docs/orders.xml": UT11_ORDERS.read_bytes()}))

    names = unpack(path, tmp_path, ZipLimits())

    assert names == ["docs/orders.xml"]
    assert (tmp_path / "docs" / "orders.xml").read_bytes() == UT11_ORDERS.read_bytes()


def test_an_archive_over_the_unpacked_size_cap_leaves_nothing(tmp_path: Path):
    path = tmp_path / "a.zip"
    path.write_bytes(archive({"a.xml": b"x" * 5000, "b.xml": b"y" * 5000}))

    with pytest.raises(ZipRefused, match="more than 8000 bytes"):
        unpack(path, tmp_path, ZipLimits(max_total=8000))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]


def test_an_entry_that_lies_about_its_size_is_caught_while_unpacking(tmp_path: Path):
    path = tmp_path / "a.zip"
    data = bytearray(archive({"a.xml": b"z" * 100_000}))
    # Shrink the declared size in both headers: the data is still 100 000 bytes.
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(marker)
        offset = at + (22 if marker == b"PK\x03\x04" else 24)
        data[offset : offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))

    with pytest.raises((ZipRefused, zipfile.BadZipFile)):
        unpack(path, tmp_path, ZipLimits())

    assert not (tmp_path / "a.xml").exists()
