"""Where ``mode=file`` bodies land: one folder per exchange session, chunks appended.

1C splits a file bigger than ``file_limit`` into requests with the same
``filename`` and no "last chunk" mark, so every body is appended to the file
under its (sanitised) name and flushed to disk before ``success`` is answered.
The folder of a session is ``<root>/<tenant>/<session id>/``; ``init`` empties it,
as the reference site does. The files stay there while the session imports them;
what was imported is kept in the message log (``connectors/onec/importer.py``).

Files live on the node's disk: behind a load balancer, keep one 1C exchange on
one node (sticky sessions by the session cookie).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import structlog

from gateway.errors import FinalError

log = structlog.get_logger(__name__)


# TODO(onec-cluster-uploads): spooled files and import jobs live on one node; a
# cluster needs sticky sessions for 1C until uploads are spooled to the store.
# TODO(onec-chunk-retry): the protocol numbers no chunks, so a chunk 1C sends
# again after losing an answer is appended twice; the import then fails on the
# broken XML and 1C's next exchange sends the file anew.


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
        return size + len(chunk)

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
