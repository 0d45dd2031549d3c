"""Zip archives 1C uploads (``zip=yes``), unpacked without trusting them.

Before a byte is written: every entry name must be a safe relative path, no entry
may be a link or encrypted, and the sizes the archive declares must stay under
the caps (total unpacked size, entries, compression ratio). While unpacking, the
real sizes are counted too, since declared sizes can lie. Entries go to a scratch
folder first and are moved in only when the whole archive passed: a refused
archive leaves nothing behind.
"""

from __future__ import annotations

import io
import shutil
import stat
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from connectors.onec.filenames import UnsafeFilename, safe_path
from gateway.errors import FinalError

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_COPY_CHUNK = 1 << 20
_UTF8_NAMES = 0x800
_ENCRYPTED = 0x1


class ZipRefused(FinalError):
    """An uploaded archive that is unsafe or broken; nothing of it was kept."""


@dataclass(frozen=True)
class ZipLimits:
    max_total: int = 200 * 1024 * 1024
    max_entries: int = 10_000
    max_ratio: int = 200


def is_zip(head: bytes) -> bool:
    return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


def unpack(archive: Path, target: Path, limits: ZipLimits) -> list[str]:
    """Unpack ``archive`` into ``target``; the relative names written."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = _checked(bundle, limits)
            scratch = target / f".unpacking-{uuid.uuid4().hex}"
            try:
                _extract(bundle, entries, scratch, limits)
                for _, name in entries:
                    destination = target / name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    (scratch / name).replace(destination)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    except zipfile.BadZipFile as error:
        raise ZipRefused(f"the archive cannot be read: {error}") from error
    return [name for _, name in entries]


def _checked(
    bundle: zipfile.ZipFile, limits: ZipLimits
) -> list[tuple[zipfile.ZipInfo, str]]:
    infos = bundle.infolist()
    if len(infos) > limits.max_entries:
        raise ZipRefused(
            f"the archive holds {len(infos)} entries; at most {limits.max_entries}"
        )
    entries: list[tuple[zipfile.ZipInfo, str]] = []
    declared = 0
    for info in infos:
        raw_name = _entry_name(info)
        try:
            name = safe_path(raw_name)
        except UnsafeFilename as error:
            raise ZipRefused(f"archive entry refused: {error}") from error
        if info.flag_bits & _ENCRYPTED:
            raise ZipRefused(f"archive entry {name!r} is encrypted")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ZipRefused(f"archive entry {name!r} is a link")
        if info.is_dir():
            continue
        declared += info.file_size
        if declared > limits.max_total:
            raise ZipRefused(
                f"the archive unpacks to more than {limits.max_total} bytes "
                "(a zip bomb?)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            raise ZipRefused(
                f"archive entry {name!r} is compressed {ratio:.0f} to 1, above "
                f"{limits.max_ratio} to 1 (a zip bomb?)"
            )
        entries.append((info, name))
    return entries


def _entry_name(info: zipfile.ZipInfo) -> str:
    """Names without the UTF-8 flag are in the DOS code page 1C's zip uses."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _extract(
    bundle: zipfile.ZipFile,
    entries: list[tuple[zipfile.ZipInfo, str]],
    scratch: Path,
    limits: ZipLimits,
) -> None:
    written = 0
    for info, name in entries:
        destination = scratch / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        entry_written = 0
        with bundle.open(info) as source, destination.open("wb") as sink:
            while chunk := source.read(_COPY_CHUNK):
                entry_written += len(chunk)
                written += len(chunk)
                if entry_written > info.file_size or written > limits.max_total:
                    raise ZipRefused(
                        f"archive entry {name!r} unpacks to more than it declares "
                        f"or the archive to more than {limits.max_total} bytes "
                        "(a zip bomb?)"
                    )
                sink.write(chunk)


def open_entries(
    archive: IO[bytes], limits: ZipLimits
) -> Iterator[tuple[str, IO[bytes]]]:
    """Each file of a seekable archive as a stream, under the same checks as
    ``unpack``: what an entry really unpacks to is counted as it is read."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            total = _Budget(limits.max_total)
            for info, name in _checked(bundle, limits):
                with bundle.open(info) as source:
                    yield name, _CountedEntry(source, name, info.file_size, total)
    except zipfile.BadZipFile as error:
        raise ZipRefused(f"the archive cannot be read: {error}") from error


@dataclass
class _Budget:
    left: int


class _CountedEntry(io.RawIOBase):
    """An entry's stream that refuses to unpack past its declared size."""

    def __init__(self, source: IO[bytes], name: str, declared: int, total: _Budget):
        self._source, self._name = source, name
        self._left, self._total = declared, total

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        self._left -= len(data)
        self._total.left -= len(data)
        if self._left < 0 or self._total.left < 0:
            raise ZipRefused(
                f"archive entry {self._name!r} unpacks to more than it declares "
                "(a zip bomb?)"
            )
        buffer[: len(data)] = data
        return len(data)
