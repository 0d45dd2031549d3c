"""Stored payloads shown as text: decoded from their real encoding, then escaped.

The encoding is taken from a byte order mark, else an XML declaration, else the
content type's charset, else UTF-8 when it decodes, else windows-1251 (what 1C
writes when it says nothing). Highlighting works on the escaped text only, so
nothing in a payload can become markup.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_SHOWN = 512 * 1024
"""Bytes rendered on the page; the whole payload stays downloadable."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)
_TAG = re.compile(r"(&lt;/?)([\w:.\-\u0400-\u04FF]+)")
_JSON_KEY = re.compile(r"(&#34;|&quot;)((?:(?!&#34;|&quot;).)*?)\1(\s*:)")


@dataclass
class ShownPayload:
    text: str
    encoding: str
    truncated: bool
    html: Markup


def detect_encoding(payload: bytes, content_type: str | None) -> str:
    for bom, encoding in _BOMS:
        if payload.startswith(bom):
            return encoding
    if declared := _XML_ENCODING.match(payload[:200]):
        name = declared.group(1).decode("ascii")
        if _known(name):
            return name
    charset = _CHARSET.search(content_type or "")
    if charset and _known(charset.group(1)):
        return charset.group(1)
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1251"
    return "utf-8"


def show(payload: bytes, content_type: str | None) -> ShownPayload:
    encoding = detect_encoding(payload, content_type)
    truncated = len(payload) > MAX_SHOWN
    text = payload[:MAX_SHOWN].decode(encoding, errors="replace")
    if "json" in (content_type or "") and not truncated:
        text = _pretty_json(text)
    return ShownPayload(text, encoding, truncated, highlight(text))


def highlight(text: str) -> Markup:
    """Escaped text with tag names and JSON keys wrapped in spans."""
    escaped = str(escape(text))
    escaped = _TAG.sub(r'\1<span class="tag">\2</span>', escaped)
    escaped = _JSON_KEY.sub(r'<span class="key">\1\2\1</span>\3', escaped)
    return Markup(escaped)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):
        return text


def _known(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
