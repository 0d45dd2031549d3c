"""Does a file's bytes agree with the encoding its XML declaration names?

1C writes UTF-8 (usually with a BOM) or windows-1251. A file that says
``encoding="windows-1251"`` but holds UTF-8 parses without complaint into
nonsense («Р—Р°РєР°Р·»), so the parser alone cannot be trusted to notice: Russian
text in windows-1251 is practically never valid UTF-8, and the check below uses
that. The check reads chunk by chunk and keeps no more than a decoder's state.
"""

from __future__ import annotations

import codecs
import re

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DECLARATION = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.ASCII
)
_HEAD_BYTES = 512


def declared_encoding(head: bytes) -> str | None:
    """The codec name the XML declaration gives, normalised (``cp1251``, ``utf-8``)."""
    match = _DECLARATION.match(head.removeprefix(UTF8_BOM)[:_HEAD_BYTES])
    if match is None:
        return None
    name = match.group(1).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


class EncodingCheck:
    """Feed the bytes in order; ``problem()`` then says what disagrees, if anything."""

    def __init__(self) -> None:
        self._head = b""
        self._declared: str | None = None
        self._started = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._valid_utf8 = True
        self._non_ascii = False
        self._first_bad: int | None = None
        self._offset = 0
        self._early: str | None = None

    def feed(self, chunk: bytes) -> None:
        if not self._started:
            self._head += chunk
            if len(self._head) < _HEAD_BYTES and chunk:
                return
            self._start(self._head)
            chunk, self._head = self._head, b""
        self._scan(chunk)

    def problem(self) -> str | None:
        if not self._started:
            self._start(self._head)
            self._scan(self._head)
        if self._early is not None:
            return self._early
        declared = self._declared or "utf-8"
        if self._valid_utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                if declared == "utf-8":
                    return (
                        "the file ends in the middle of a UTF-8 character: it was "
                        "cut short"
                    )
                self._valid_utf8 = False
        if declared == "utf-8" and not self._valid_utf8:
            return (
                "the XML declaration says UTF-8, but the bytes are not UTF-8 "
                f"(first bad byte at offset {self._first_bad}); is it windows-1251? "
                'Save it as UTF-8 or declare encoding="windows-1251"'
            )
        if declared == "cp1251" and self._valid_utf8 and self._non_ascii:
            return (
                "the XML declaration says windows-1251, but the bytes are UTF-8; "
                'declare encoding="UTF-8" or save the file as windows-1251'
            )
        return None

    def _start(self, head: bytes) -> None:
        self._started = True
        self._declared = declared_encoding(head)
        if head.startswith(UTF16_BOMS):
            self._early = (
                "the file is UTF-16; 1C exchange files are UTF-8 or windows-1251"
            )
        elif head.startswith(UTF8_BOM) and self._declared not in (None, "utf-8"):
            self._early = (
                f"the file starts with a UTF-8 byte order mark but its XML "
                f"declaration says {self._declared}"
            )

    def _scan(self, chunk: bytes) -> None:
        if not chunk:
            return
        if not self._non_ascii and not chunk.isascii():
            self._non_ascii = True
        if self._valid_utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError as error:
                self._valid_utf8 = False
                self._first_bad = self._offset + error.start
        self._offset += len(chunk)
