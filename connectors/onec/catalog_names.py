"""Item names, codes and barcodes made comparable, and how alike two names are.

A client's 1C and Komus write the same goods differently: «Бумага SvetoCopy A4
80г/м2 500л, шт» against «Бумага для офисной техники SvetoCopy (А4, 80 г/кв.м, 500
листов)». Before comparing, a name is folded: case; ё to е; decimal commas; «×» and
a Cyrillic «х» between digits to «x»; punctuation to spaces; a number and the unit
after it glued into one token with the unit in one spelling («80 г», «80гр» →
«80г»; «кв.м» → «м2»; «500 листов», «500 л.» → «500л»); counting words («шт»,
«упак») and short prepositions dropped; Cyrillic words cut to a rough stem
(«офисной», «офисная» → «офисн»); and in tokens that hold a digit or mix alphabets,
Cyrillic letters that look Latin read as Latin (a Cyrillic «А4» is «a4»).

Two names are compared as token sets, each token weighted by how rare it is in the
Komus catalog (a brand or a size says more than «бумага»): twice the weight the
names share over the weight of both (a weighted Dice coefficient). The same set
scores 1.0, nothing in common 0.0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

LOOKALIKES = str.maketrans("авекмнорстухі", "abekmhopctyxi")
"""Cyrillic letters that print like Latin ones (lower case, after folding)."""

UNITS = {
    "г": "г",
    "гр": "г",
    "грамм": "г",
    "граммов": "г",
    "кг": "кг",
    "мг": "мг",
    "мл": "мл",
    "л": "л",
    "литр": "л",
    "литра": "л",
    "литров": "л",
    "лист": "л",
    "листа": "л",
    "листов": "л",
    "мм": "мм",
    "см": "см",
    "м": "м",
    "м2": "м2",
    "м3": "м3",
    "мкм": "мкм",
    "мп": "мп",
    "гб": "гб",
    "вт": "вт",
    "%": "%",
}
"""Units a number may carry, in every spelling met, to one spelling."""
_CANONICAL_UNITS = frozenset(UNITS.values())

COUNTING_WORDS = frozenset(
    {"шт", "штук", "штука", "штуки", "pcs", "pc", "ед", "уп", "упак", "упаковка"}
)
STOP_WORDS = frozenset({"в", "во", "для", "с", "со", "и", "на", "по", "из", "к", "от"})

ENDINGS = tuple(
    sorted(
        [
            "ами",
            "ями",
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ая",
            "яя",
            "ое",
            "ее",
            "ой",
            "ей",
            "ий",
            "ый",
            "ые",
            "ие",
            "ую",
            "юю",
            "ов",
            "ев",
            "ам",
            "ям",
            "ах",
            "ях",
            "ом",
            "ем",
            "а",
            "я",
            "о",
            "е",
            "ы",
            "и",
            "у",
            "ю",
            "ь",
            "й",
        ],
        key=len,
        reverse=True,
    )
)
STEM_FROM = 5
"""Cyrillic words of this many letters or more are cut to a stem."""
STEM_KEEP = 3

_AREA = re.compile(r"(?<![a-zа-я])(кв|куб)\.?\s*(м|метр\w*)(?![a-zа-я0-9])")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_TIMES = re.compile(r"(?<=\d)\s*[x×х*]\s*(?=\d)")
_SEPARATOR = re.compile(r"[^\w.%]+|(?<!\d)\.|\.(?!\d)|_")
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([a-zа-я%]+\d?)$")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_CODE_NOISE = re.compile(r"[\W_]+")


def name_tokens(name: str | None) -> frozenset[str]:
    """The comparable tokens of a name (empty for none)."""
    if not name:
        return frozenset()
    text = name.casefold().replace("ё", "е")
    text = _DECIMAL_COMMA.sub(".", text)
    text = _TIMES.sub("x", text)
    text = _AREA.sub(lambda m: " м2 " if m[1] == "кв" else " м3 ", text)
    words = [w for w in _SEPARATOR.split(text) if w]

    tokens: list[str] = []
    for word in words:
        glued = _NUMBER_UNIT.match(word)
        if glued and glued[2] in UNITS:
            tokens.append(glued[1] + UNITS[glued[2]])
        elif word in UNITS and tokens and _is_number(tokens[-1]):
            tokens[-1] += UNITS[word]
        elif word in COUNTING_WORDS or word in STOP_WORDS:
            continue
        else:
            tokens.append(word)
    return frozenset(_fold(token) for token in tokens)


def code_key(code: str | None) -> str | None:
    """An article or vendor code as compared: case, look-alikes, no separators."""
    if not code:
        return None
    folded = _CODE_NOISE.sub("", code.casefold().translate(LOOKALIKES))
    return folded or None


def gtin_key(barcode: str | None) -> str | None:
    """An EAN-8/UPC-A/EAN-13/GTIN-14 as 14 digits, or None when its check digit
    is wrong (a typo or a placeholder such as ``0``)."""
    if not barcode:
        return None
    digits = barcode.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    if not digits.strip("0"):
        return None
    body, check = digits[:-1], int(digits[-1])
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(body))
    )
    if (10 - total % 10) % 10 != check:
        return None
    return digits.rjust(14, "0")


def _is_number(token: str) -> bool:
    return token.replace(".", "", 1).isdigit()


def _fold(token: str) -> str:
    if not _CYRILLIC.search(token):
        return token
    measure = _NUMBER_UNIT.match(token)
    if measure and measure[2] in _CANONICAL_UNITS:
        return token
    if any(ch.isdigit() for ch in token) or _LATIN.search(token):
        return token.translate(LOOKALIKES)
    return _stem(token)


def _stem(word: str) -> str:
    if len(word) < STEM_FROM:
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= STEM_KEEP:
            return word[: -len(ending)]
    return word


class Weights:
    """Token weights from document frequency over a catalog's names.

    ``1 + ln((N + 1) / (df + 1))``: a token in every name weighs about 1, a token
    no catalog name has weighs the most.
    """

    def __init__(self, names: Iterable[frozenset[str]]):
        self.frequency: Counter[str] = Counter()
        self.count = 0
        for tokens in names:
            self.count += 1
            self.frequency.update(tokens)

    def of(self, token: str) -> float:
        return 1.0 + math.log((self.count + 1) / (self.frequency.get(token, 0) + 1))

    def total(self, tokens: Iterable[str]) -> float:
        return sum(self.of(token) for token in tokens)


def similarity(a: frozenset[str], b: frozenset[str], weights: Weights) -> float:
    """Weighted Dice coefficient of two token sets, 0.0 to 1.0."""
    if not a or not b:
        return 0.0
    whole = weights.total(a) + weights.total(b)
    return 2 * weights.total(a & b) / whole if whole else 0.0
