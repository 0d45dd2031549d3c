"""Upload names as 1C sends them, made safe to use as paths under one folder.

1C names files plainly (``import.xml``, ``documents___<uuid>.xml``), nests them
(``goods/1/import___<uuid>.xml``, ``import_files/24/…png``) and writes Windows
separators. Those are kept, as a relative path with ``/``. A name that is
absolute (``/etc/x``, ``C:\\v8_8789_c.xml``, ``\\\\host\\share``), climbs out
with ``..`` or carries control characters is refused with the reason.
"""

from __future__ import annotations

import re

from gateway.errors import FinalError

MAX_NAME = 255
MAX_SEGMENT = 150
MAX_DEPTH = 8
_DRIVE = re.compile(r"^[A-Za-z]:")
_FORBIDDEN = frozenset('<>:"|?*')
_FORBIDDEN_SHOWN = "".join(sorted(_FORBIDDEN))


class UnsafeFilename(FinalError):
    """The ``filename`` of a request cannot be stored under the upload folder."""


def safe_path(filename: str | None) -> str:
    """The name as a relative path (``a/b.xml``), or ``UnsafeFilename``."""
    if filename is None or not filename.strip():
        raise UnsafeFilename("the request names no file (filename=…)")
    name = filename.strip()
    if len(name) > MAX_NAME:
        raise UnsafeFilename(f"the file name is longer than {MAX_NAME} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UnsafeFilename(f"the file name {name!r} holds control characters")
    slashed = name.replace("\\", "/")
    if _DRIVE.match(slashed) or slashed.startswith("/"):
        raise UnsafeFilename(
            f"the file name {name!r} is an absolute path; send a name relative to "
            "the exchange folder"
        )
    segments = [part for part in slashed.split("/") if part not in ("", ".")]
    if ".." in segments:
        raise UnsafeFilename(
            f"the file name {name!r} climbs out of the upload folder with '..'"
        )
    if not segments:
        raise UnsafeFilename(f"the file name {name!r} names no file")
    if len(segments) > MAX_DEPTH:
        raise UnsafeFilename(f"the file name {name!r} nests deeper than {MAX_DEPTH}")
    for segment in segments:
        if _FORBIDDEN & set(segment):
            raise UnsafeFilename(
                f"the file name {name!r} holds one of {_FORBIDDEN_SHOWN}"
            )
        if len(segment) > MAX_SEGMENT or segment.rstrip(". ") != segment:
            raise UnsafeFilename(f"the file name part {segment!r} is not usable")
    return "/".join(segments)
