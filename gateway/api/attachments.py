"""Stored bytes handed out as downloads, under names no client can trip over."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import StreamingResponse

MAX_FILENAME_CHARS = 200
_UNSAFE = re.compile(r'[<>:"/\\|?*;]')
EXTENSIONS = {
    "application/json": ".json",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
}
"""For payloads stored without a file name; the platform's tables disagree on some."""
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
    """``attachment`` with the exact name in ``filename*`` (RFC 5987, UTF-8).

    Old clients read ``filename``: the name itself when it is ASCII, else the
    fallback with the name's extension.
    """
    name = sanitise_filename(filename, fallback)
    plain = _ascii_name(name, fallback)
    encoded = quote(name, safe=_RFC5987_EXTRA_SAFE)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"


def _ascii_name(name: str, fallback: str) -> str:
    if name.isascii():
        return name.replace("%", "_")
    extension = name.rpartition(".")[2] if "." in name else ""
    if extension.isascii() and extension.isalnum():
        return f"{fallback}.{extension}"
    return fallback


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type.split(";")[0].strip().lower(), "")


def download(content: bytes, content_type: str, filename: str) -> Response:
    """The bytes as stored, to be saved rather than rendered by a browser."""
    return Response(content=content, headers=_download_headers(content_type, filename))


def download_stream(
    chunks: Iterator[bytes], content_type: str, filename: str
) -> StreamingResponse:
    """Like ``download``, for a payload too big to hold: sent chunk by chunk."""
    return StreamingResponse(chunks, headers=_download_headers(content_type, filename))


def _download_headers(content_type: str, filename: str) -> dict[str, str]:
    if not content_type.isascii() or not content_type.strip():
        content_type = "application/octet-stream"
    return {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
    }
