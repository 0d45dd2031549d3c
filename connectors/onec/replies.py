"""The plain-text answers 1C reads: a status word, then lines of explanation.

``success``, ``progress`` (send the same request again) or ``failure``; 1C shows
the lines after the word to the person running the exchange, so they say what
happened and what to do. A reply is never empty.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS, PROGRESS, FAILURE = "success", "progress", "failure"
MAX_LINES = 50


@dataclass(frozen=True)
class Reply:
    status: str
    lines: tuple[str, ...] = ()

    @classmethod
    def success(cls, *lines: str) -> Reply:
        return cls(SUCCESS, tuple(lines))

    @classmethod
    def progress(cls, *lines: str) -> Reply:
        return cls(PROGRESS, tuple(lines))

    @classmethod
    def failure(cls, *lines: str) -> Reply:
        return cls(FAILURE, tuple(lines) or ("the request failed",))

    @property
    def reason(self) -> str:
        return "; ".join(self.lines)

    def text(self) -> str:
        lines = list(self.lines)
        if len(lines) > MAX_LINES:
            lines = [
                *lines[: MAX_LINES - 1],
                f"… and {len(lines) - MAX_LINES + 1} more",
            ]
        flat = [" ".join(line.split()) for line in lines]
        return "\n".join([self.status, *flat]) + "\n"
