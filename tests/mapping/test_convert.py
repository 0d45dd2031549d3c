"""Conversions read values the way Russian business documents write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gateway.mapping.convert import CONVERSIONS


def convert(name: str, value: object) -> object:
    return CONVERSIONS[name](value)


@pytest.mark.parametrize(
    "text", ["1 234,50", "1\u00a0234,50", "1234.50", " 1234,5 ", "1\u202f234.50"]
)
def test_decimal_takes_comma_space_and_nbsp(text: str):
    assert convert("decimal", text) == Decimal("1234.5")


def test_decimal_refuses_words_and_says_what_it_expected():
    with pytest.raises(ValueError, match="expected digits"):
        convert("decimal", "двенадцать")


def test_quantity_refuses_more_than_three_places():
    with pytest.raises(ValueError, match="more than 3 decimal places"):
        convert("quantity", "1,2345")


@pytest.mark.parametrize(
    "text", ["2026-02-10", "10.02.2026", "2026-02-10T12:00:00", "10.02.2026 18:45:21"]
)
def test_date_reads_iso_russian_and_timestamps(text: str):
    assert convert("date", text) == date(2026, 2, 10)


def test_datetime_keeps_the_zone_it_was_given():
    moment = convert("datetime", "2026-02-10T09:30:00Z")

    assert moment == datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


def test_1c_empty_date_is_no_value():
    assert convert("date", "T") is None
    assert convert("date", "0001-01-01T00:00:00") is None


def test_an_impossible_date_names_the_formats():
    with pytest.raises(ValueError, match="10.02.2026"):
        convert("date", "30.02.2026x")


def test_integer_takes_group_spaces():
    assert convert("integer", "12 000") == 12000


def test_string_trims_1c_padding_and_blank_is_no_value():
    assert convert("string", "L319       ") == "L319"
    assert convert("string", "   ") is None


def test_bool_reads_true_false_yes_no_in_two_languages():
    assert [convert("bool", w) for w in ("true", "False", "да", "0")] == [
        True,
        False,
        True,
        False,
    ]


def test_bool_refuses_a_code():
    with pytest.raises(ValueError, match="expected true or false"):
        convert("bool", "NO!")


def test_vat_rate_reads_percent_and_exemption():
    assert convert("vat_rate", "НДС 22%") == "22"
    assert convert("vat_rate", "Без налога") == "без НДС"


def test_oneline_joins_a_name_wrapped_over_indented_lines():
    wrapped = "Стиральный порошок (аромат свежести)\n          5 кг х 2 (10 кг)"

    assert (
        convert("oneline", wrapped)
        == "Стиральный порошок (аромат свежести) 5 кг х 2 (10 кг)"
    )
