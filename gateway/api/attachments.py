"""Stored bytes handed out as downloads, under names no client can trip over."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import Response

MAX_FILENAME_CHARS = 200
_UNSAFE = re.compile(r'[<>:"/\\|?*;]')
_SPACES = re.compile(r"\s+")
_RFC5987_EXTRA_SAFE = "!#$&+^`|"
"""attr-char besides letters, digits and ``-._~``, which ``quote`` keeps anyway."""


def sanitise_filename(name: str, fallback: str = "download") -> str:
    """The last path segment, without control or reserved characters, never hidden."""
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip().lstrip(".").strip()
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or fallback


def content_disposition(filename: str, fallback: str = "download") -> str:
    """``attachment`` with an ASCII ``filename`` and the exact one in ``filename*``."""
    name = sanitise_filename(filename, fallback)
    ascii_name = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    )
    ascii_name = sanitise_filename(ascii_name.replace("%", "_"), fallback)
    encoded = quote(name, safe=_RFC5987_EXTRA_SAFE)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def download(content: bytes, content_type: str, filename: str) -> Response:
    """The bytes as stored, to be saved rather than rendered by a browser."""
    if not content_type.isascii() or not content_type.strip():
        content_type = "application/octet-stream"
    return Response(
        content=content,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
        },
    )
