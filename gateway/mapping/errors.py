"""Errors of the mapping engine::

    GatewayError
    ├── MappingFailed        a document could not be mapped: file, line, field, value
    └── MappingUnavailable   a channel's mapping has problems and no good version

Problems found while loading a mapping or a table are ``ConfigProblem``s (from
``gateway.errors``), printed as ``mappings/FILE.yaml:LINE:COL: path: message``.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import ConfigProblem, GatewayError

NO_VALUE: Any = object()
"""Stands for "no input value to show" in a ``MappingFailed``."""

_SHOWN_CHARACTERS = 80


def show(value: Any) -> str:
    """A short ``repr`` of an input value, cut so a log line stays readable."""
    text = repr(value)
    if len(text) > _SHOWN_CHARACTERS:
        text = text[: _SHOWN_CHARACTERS - 1] + "…"
    return text


class MappingFailed(GatewayError):
    """A mapping line could not produce its field from this document.

    ``file`` and ``line`` locate the mapping line, ``field`` is the output field
    (``lines[2].quantity``), ``source`` the input it read (``line.Количество``) and
    ``value`` what it found there.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str,
        line: int,
        field: str,
        source: str | None = None,
        value: Any = NO_VALUE,
    ):
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        self.source = source
        self.value = value
        super().__init__(self._text())

    def _text(self) -> str:
        said = ""
        if self.source is not None and self.value is not NO_VALUE:
            said = f"{self.source} = {show(self.value)}: "
        elif self.source is not None:
            said = f"{self.source}: "
        return f"{self.file}:{self.line}: {self.field}: {said}{self.reason}"


class MappingUnavailable(GatewayError):
    """The channel has a mapping file, but it never loaded without problems.

    Documents are kept as failed rather than mapped by guesswork; fix the file and
    replay them.
    """

    def __init__(self, file: str, problems: list[ConfigProblem]):
        self.file = file
        self.problems = problems
        first = f": {problems[0]}" if problems else ""
        super().__init__(
            f"mapping {file} has {len(problems)} problem(s) and no earlier good "
            f"version; fix it and replay the message{first}"
        )
