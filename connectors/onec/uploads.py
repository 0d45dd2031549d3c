"""Where ``mode=file`` bodies land: one folder per exchange session, chunks appended.

1C splits a file bigger than ``file_limit`` into requests with the same
``filename`` and no "last chunk" mark, so every body is appended to the file
under its (sanitised) name and flushed to disk before ``success`` is answered.
The folder of a session is ``<root>/<tenant>/<session id>/``; ``init`` empties it,
as the reference site does. The files stay there while the session imports them;
what was imported is kept in the message log (``connectors/onec/importer.py``).

The protocol numbers no chunks either, so a chunk 1C sends again because its
answer was lost looks like the next one. The last chunk of each file is noted
beside it (length and SHA-256, under the session's hidden ``.chunks/`` folder),
and a body identical to it, arriving when nothing else came after it, is taken
for that repeat and not appended again. Two identical consecutive chunks of a
real CommerceML file do not occur (every document carries its own Ид).

Files live on the node's disk: behind a load balancer, keep one 1C exchange on
one node (sticky sessions by the session cookie).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import structlog

from gateway.errors import FinalError

log = structlog.get_logger(__name__)


# TODO(onec-cluster-uploads): spooled files and import jobs live on one node; a
# cluster needs sticky sessions for 1C until uploads are spooled to the store.

CHUNK_NOTES = ".chunks"
"""The session's hidden folder of last-chunk notes; ``files()`` leaves it out."""
ROOT_TAG = "КоммерческаяИнформация"
_CLOSING_TAGS = tuple(ROOT_TAG.encode(codec) for codec in ("utf-8", "windows-1251"))
_ZIP_END = b"PK\x05\x06"
_ZIP_END_BYTES = 22
_TAIL_BYTES = _ZIP_END_BYTES + 0xFFFF
"""The end-of-archive record and the longest comment that may follow it."""


def looks_complete(path: Path) -> bool:
    """Whether the bytes so far form a whole file: an XML file that ends with its
    root's closing tag, or a zip whose end-of-archive record ends the file.

    1C marks no last chunk; the old protocol (no ``version``) takes a chunk
    shorter than ``file_limit`` for the last, and this tells a file whose
    length is an exact multiple of ``file_limit`` from one still arriving.
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(4)
        stream.seek(max(0, size - _TAIL_BYTES))
        tail = stream.read()
    if head.startswith(b"PK"):
        end = tail.rfind(_ZIP_END)
        if end < 0 or len(tail) - end < _ZIP_END_BYTES:
            return False
        comment = int.from_bytes(tail[end + 20 : end + 22], "little")
        return end + _ZIP_END_BYTES + comment == len(tail)
    tail = tail.rstrip(b" \t\r\n\x00")
    opened = tail.rfind(b"</")
    if opened < 0 or not tail.endswith(b">"):
        return False
    name = tail[opened + 2 : -1].strip().rpartition(b":")[2]
    return name in _CLOSING_TAGS


class UploadRefused(FinalError):
    """A chunk that cannot be appended: too big, or the disk said no."""


class UploadArea:
    def __init__(self, root: Path):
        self.root = root

    def folder(self, tenant_id: str, session_id: int) -> Path:
        return self.root / tenant_id / str(session_id)

    def path(self, tenant_id: str, session_id: int, name: str) -> Path:
        folder = self.folder(tenant_id, session_id).resolve()
        path = (folder / name).resolve()
        # safe_path() already refused '..'; this is the belt to its braces.
        if folder not in path.parents:
            raise UploadRefused(f"{name!r} resolves outside the session folder")
        return path

    def reset(self, tenant_id: str, session_id: int) -> None:
        shutil.rmtree(self.folder(tenant_id, session_id), ignore_errors=True)

    def append(
        self,
        tenant_id: str,
        session_id: int,
        name: str,
        chunk: bytes,
        *,
        max_bytes: int,
        restart: bool = False,
    ) -> int:
        """Append ``chunk`` (or start over with it); returns the file's new size."""
        path = self.path(tenant_id, session_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        size = 0 if restart or not path.exists() else path.stat().st_size
        if size + len(chunk) > max_bytes:
            raise UploadRefused(
                f"{name} would grow to {size + len(chunk)} bytes; one file may "
                f"hold at most {max_bytes} (channels.onec.max_file_bytes)"
            )
        try:
            with path.open("wb" if restart else "ab") as sink:
                sink.write(chunk)
                sink.flush()
                os.fsync(sink.fileno())
        except OSError as error:
            raise UploadRefused(f"cannot write {name}: {error.strerror}") from error
        self._note_last(tenant_id, session_id, name, chunk, size + len(chunk))
        return size + len(chunk)

    def repeats_last(
        self, tenant_id: str, session_id: int, name: str, chunk: bytes
    ) -> bool:
        """Whether ``chunk`` is the file's last chunk sent again (a lost answer)."""
        path = self.path(tenant_id, session_id, name)
        try:
            note = json.loads(self._note_path(tenant_id, session_id, name).read_text())
            size = path.stat().st_size
        except (OSError, ValueError):
            return False
        return (
            note.get("end") == size
            and note.get("length") == len(chunk)
            and note.get("sha256") == hashlib.sha256(chunk).hexdigest()
        )

    def _note_last(
        self, tenant_id: str, session_id: int, name: str, chunk: bytes, end: int
    ) -> None:
        note = self._note_path(tenant_id, session_id, name)
        note.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(chunk).hexdigest()
        note.write_text(
            json.dumps({"end": end, "length": len(chunk), "sha256": digest})
        )

    def _note_path(self, tenant_id: str, session_id: int, name: str) -> Path:
        folder = self.folder(tenant_id, session_id)
        return (
            folder / CHUNK_NOTES / f"{hashlib.sha256(name.encode()).hexdigest()}.json"
        )

    def exists(self, tenant_id: str, session_id: int, name: str) -> bool:
        return self.path(tenant_id, session_id, name).is_file()

    def files(self, tenant_id: str, session_id: int) -> list[str]:
        """Every file of the session, as relative names, scratch folders left out."""
        folder = self.folder(tenant_id, session_id)
        if not folder.is_dir():
            return []
        return sorted(
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.relative_to(folder).parts[0].startswith(".")
        )
