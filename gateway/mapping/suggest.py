"""The nearest valid name for a misspelt one, for messages an integrator acts on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close name exists, else nothing."""
    found = difflib.get_close_matches(str(word), sorted(set(known)), n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


def hint(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close name exists, else the list of names."""
    names = sorted(set(known))
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(names)})" if names else ""
