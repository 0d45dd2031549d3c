"""Which file a console download is given as, from its ``format`` query value.

An unknown value is refused rather than answered with the default file, as the REST
API does: a link with a typo should say so, not hand over something else.
"""

from __future__ import annotations

from gateway.errors import ValidationFailed


def chosen_format(value: str | None, known: tuple[str, ...]) -> str:
    """The format asked for, or the first of ``known`` when none is named."""
    if not value:
        return known[0]
    if value not in known:
        raise ValidationFailed(
            [f"неизвестный формат выгрузки {value[:20]!r}; можно: {', '.join(known)}"]
        )
    return value
