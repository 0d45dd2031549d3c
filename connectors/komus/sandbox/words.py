"""Amounts in Russian words, as an invoice prints them under the total.

"Одна тысяча" and "две тысячи" are feminine, "один рубль" masculine; the noun
after a number takes one of three forms (1 рубль, 2 рубля, 5 рублей).
"""

from __future__ import annotations

from decimal import Decimal

from gateway.money import round_money

_UNITS_MASCULINE = (
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
)
_UNITS_FEMININE = ("", "одна", "две", *_UNITS_MASCULINE[3:])
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)
# (forms for 1, 2-4, 5+), and whether the word is feminine
_SCALES = (
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
)
RUBLES = ("рубль", "рубля", "рублей")
KOPECKS = ("копейка", "копейки", "копеек")


def plural(number: int, forms: tuple[str, str, str]) -> str:
    if 11 <= number % 100 <= 14:
        return forms[2]
    last = number % 10
    if last == 1:
        return forms[0]
    if 2 <= last <= 4:
        return forms[1]
    return forms[2]


def number_in_words(number: int, *, feminine: bool = False) -> str:
    if number < 0:
        raise ValueError("negative amounts are not written in words here")
    if number == 0:
        return "ноль"
    if number >= 10**12:
        raise ValueError(f"{number} is too large to write in words")
    words: list[str] = []
    for power in range(len(_SCALES) - 1, -1, -1):
        triad = number // 1000**power % 1000
        if not triad:
            continue
        forms, scale_feminine = _SCALES[power]
        words += _triad(triad, feminine=scale_feminine if power else feminine)
        if power:
            words.append(plural(triad, forms))
    return " ".join(words)


def _triad(number: int, *, feminine: bool) -> list[str]:
    hundreds, rest = divmod(number, 100)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest <= 19:
        return [*words, _TEENS[rest - 10]]
    tens, units = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if units:
        words.append((_UNITS_FEMININE if feminine else _UNITS_MASCULINE)[units])
    return words


def amount_in_words(amount: Decimal) -> str:
    """``Decimal("20151.00")`` → "Двадцать тысяч сто пятьдесят один рубль 00 копеек"."""
    amount = round_money(amount)
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    text = (
        f"{number_in_words(rubles)} {plural(rubles, RUBLES)} "
        f"{kopecks:02d} {plural(kopecks, KOPECKS)}"
    )
    return text[0].upper() + text[1:]
