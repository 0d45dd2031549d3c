"""Photos attached to claims: only JPEG and PNG, told apart by their first bytes.

The declared content type and the file name are not trusted: a browser or a script
may send anything under ``image/jpeg``. The magic bytes decide, and the stored
content type is the one they prove.
"""

from __future__ import annotations

import re

JPEG = "image/jpeg"
PNG = "image/png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 10
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def image_type(content: bytes) -> str | None:
    """``image/jpeg`` or ``image/png`` when the bytes are one, else None."""
    if content.startswith(PNG_SIGNATURE):
        return PNG
    if content.startswith(JPEG_SIGNATURE):
        return JPEG
    return None


def safe_filename(name: str | None, content_type: str, number: int) -> str:
    """A file name without folders or odd characters, with the right extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")[:100]
    extension = ".png" if content_type == PNG else ".jpg"
    if not base:
        base = f"photo-{number}"
    if not base.lower().endswith((".png", ".jpg", ".jpeg")):
        base += extension
    return base
