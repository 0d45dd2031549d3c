from datetime import date, datetime
from decimal import Decimal

import pytest

from gateway.money import (
    KOPECK,
    LineAmounts,
    VatRate,
    line_amounts,
    parse_vat_rate,
    round_money,
    sum_lines,
    to_decimal,
    to_quantity,
    vat_by_rate,
    vat_rate_for,
)


def amounts(net: str, vat: str, gross: str) -> LineAmounts:
    return LineAmounts(Decimal(net), Decimal(vat), Decimal(gross))


def test_kopeck_is_one_hundredth():
    assert str(KOPECK) == "0.01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234.50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("1234.5", "1234.5"),
        ("-3", "-3"),
        ("  42 ", "42"),
        ("0,01", "0.01"),
        ("1 000 000", "1000000"),
    ],
)
def test_amounts_are_read_in_russian_and_1c_forms(text, expected):
    assert to_decimal(text) == Decimal(expected)


def test_decimal_and_int_amounts_are_taken_as_they_are():
    assert to_decimal(Decimal("12.30")) == Decimal("12.30")
    assert to_decimal(7) == Decimal(7)


def test_float_amount_is_refused_because_it_has_lost_kopecks():
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.1)


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "12,34,56", "1.234,50", "12 руб.", "1e3", "NaN", "Infinity", "--3"],
)
def test_garbage_amount_is_refused_with_the_text_quoted(garbage):
    with pytest.raises(ValueError, match="not an amount"):
        to_decimal(garbage)


@pytest.mark.parametrize("special", [Decimal("NaN"), Decimal("Infinity")])
def test_nan_and_infinite_decimals_are_refused(special):
    with pytest.raises(ValueError, match="finite"):
        to_decimal(special)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("2.345", "2.35"),
        ("2.344", "2.34"),
        ("-2.345", "-2.35"),
        ("10", "10.00"),
    ],
)
def test_money_rounds_half_up_to_kopecks(amount, expected):
    assert str(round_money(Decimal(amount))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "1"), ("2,5", "2.5"), ("0.125", "0.125"), ("1 000", "1000"), ("0", "0")],
)
def test_quantities_are_read_in_the_same_forms_as_amounts(text, expected):
    assert to_quantity(text) == Decimal(expected)


def test_quantity_with_more_than_three_decimal_places_is_refused():
    with pytest.raises(ValueError, match="3 decimal places"):
        to_quantity("0.1255")


def test_quantity_with_trailing_zeros_beyond_three_places_is_accepted():
    assert to_quantity("1.50000") == Decimal("1.5")


def test_negative_quantity_is_refused():
    with pytest.raises(ValueError, match="negative"):
        to_quantity("-1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22", VatRate.VAT_22),
        ("22%", VatRate.VAT_22),
        ("22.00", VatRate.VAT_22),
        ("22,00 %", VatRate.VAT_22),
        ("НДС 22%", VatRate.VAT_22),
        ("22/122", VatRate.VAT_22),
        ("20%", VatRate.VAT_20),
        ("20/120", VatRate.VAT_20),
        ("10", VatRate.VAT_10),
        ("10/110", VatRate.VAT_10),
        ("0", VatRate.VAT_0),
        ("0%", VatRate.VAT_0),
        ("без НДС", VatRate.EXEMPT),
        ("Без НДС", VatRate.EXEMPT),
        ("БЕЗ\u00a0НДС", VatRate.EXEMPT),
    ],
)
def test_vat_rates_are_read_as_invoices_print_them(text, expected):
    assert parse_vat_rate(text) is expected


@pytest.mark.parametrize("text", ["18", "5%", "7/107", "22/120", "", "НДС", "abc"])
def test_unknown_vat_rate_is_refused(text):
    with pytest.raises(ValueError):
        parse_vat_rate(text)


def test_exempt_is_not_the_zero_rate():
    assert VatRate.EXEMPT is not VatRate.VAT_0
    assert VatRate.EXEMPT.percent == VatRate.VAT_0.percent == 0


def test_general_rate_is_twenty_percent_on_the_last_day_of_2025():
    assert vat_rate_for(date(2025, 12, 31)) is VatRate.VAT_20


def test_general_rate_is_twenty_two_percent_from_the_first_day_of_2026():
    assert vat_rate_for(date(2026, 1, 1)) is VatRate.VAT_22


@pytest.mark.parametrize("article_rate", [VatRate.VAT_20, VatRate.VAT_22])
def test_article_at_the_general_rate_follows_the_document_date(article_rate):
    before = vat_rate_for(date(2025, 12, 31), article_rate)

    after = vat_rate_for(date(2026, 1, 1), article_rate)

    assert (before, after) == (VatRate.VAT_20, VatRate.VAT_22)


@pytest.mark.parametrize(
    "article_rate", [VatRate.VAT_10, VatRate.VAT_0, VatRate.EXEMPT]
)
@pytest.mark.parametrize("document_date", [date(2025, 12, 31), date(2026, 1, 1)])
def test_reduced_zero_or_exempt_article_rate_wins_over_the_date(
    article_rate, document_date
):
    assert vat_rate_for(document_date, article_rate) is article_rate


def test_rate_is_not_chosen_from_a_datetime():
    with pytest.raises(TypeError, match="calendar date"):
        vat_rate_for(datetime(2025, 12, 31, 22, 0))


def test_net_price_adds_vat_on_top_of_the_rounded_line_amount():
    line = line_amounts("3", "1000.005", VatRate.VAT_22)

    assert line == amounts("3000.02", "660.00", "3660.02")


def test_price_with_vat_extracts_vat_from_gross_per_line():
    line = line_amounts("3", "4723.00", VatRate.VAT_22, price_includes_vat=True)

    assert line == amounts("11613.93", "2555.07", "14169.00")


def test_price_with_vat_extracts_vat_from_a_second_upd_line():
    line = line_amounts(2, "2991.00", VatRate.VAT_22, price_includes_vat=True)

    assert line == amounts("4903.28", "1078.72", "5982.00")


def test_price_with_vat_at_twenty_percent_extracts_one_sixth():
    line = line_amounts(1, "120.00", VatRate.VAT_20, price_includes_vat=True)

    assert line == amounts("100.00", "20.00", "120.00")


def test_reduced_rate_applies_to_net_price():
    line = line_amounts("2", "55.55", VatRate.VAT_10)

    assert line == amounts("111.10", "11.11", "122.21")


@pytest.mark.parametrize("includes_vat", [False, True])
def test_exempt_line_has_no_vat(includes_vat):
    line = line_amounts("2", "150.00", VatRate.EXEMPT, price_includes_vat=includes_vat)

    assert line == amounts("300.00", "0.00", "300.00")


def test_fractional_quantity_is_priced_to_the_kopeck():
    line = line_amounts("0.125", "99.99", VatRate.VAT_22)

    assert line.net == Decimal("12.50")


def test_float_price_is_refused_in_a_line():
    with pytest.raises(TypeError):
        line_amounts(1, 9.99, VatRate.VAT_22)


def test_totals_are_sums_of_rounded_lines_not_recomputed():
    lines = [line_amounts(1, "0.07", VatRate.VAT_22) for _ in range(3)]

    total = sum_lines(lines)

    assert total == amounts("0.21", "0.06", "0.27")
    assert total.vat != round_money(total.net * Decimal("0.22"))


def test_upd_totals_add_up_its_lines():
    lines = [
        line_amounts(3, "4723.00", VatRate.VAT_22, price_includes_vat=True),
        line_amounts(2, "2991.00", VatRate.VAT_22, price_includes_vat=True),
    ]

    total = sum_lines(lines)

    assert total == amounts("16517.21", "3633.79", "20151.00")


def test_totals_of_no_lines_are_zero_kopecks():
    assert sum_lines([]) == amounts("0.00", "0.00", "0.00")


def test_vat_breakdown_keeps_each_rate_and_exempt_apart_from_zero():
    general = line_amounts(1, "100.00", VatRate.VAT_22)
    reduced = line_amounts(1, "100.00", VatRate.VAT_10)
    export = line_amounts(1, "50.00", VatRate.VAT_0)
    exempt = line_amounts(1, "30.00", VatRate.EXEMPT)
    pairs = [
        (VatRate.EXEMPT, exempt),
        (VatRate.VAT_22, general),
        (VatRate.VAT_10, reduced),
        (VatRate.VAT_22, general),
        (VatRate.VAT_0, export),
    ]

    breakdown = vat_by_rate(pairs)

    assert breakdown == {
        VatRate.VAT_22: amounts("200.00", "44.00", "244.00"),
        VatRate.VAT_10: amounts("100.00", "10.00", "110.00"),
        VatRate.VAT_0: amounts("50.00", "0.00", "50.00"),
        VatRate.EXEMPT: amounts("30.00", "0.00", "30.00"),
    }
    assert list(breakdown) == [
        VatRate.VAT_22,
        VatRate.VAT_10,
        VatRate.VAT_0,
        VatRate.EXEMPT,
    ]
