"""Names, codes and barcodes folded for comparison; name similarity."""

from __future__ import annotations

import pytest

from connectors.onec.catalog_names import (
    Weights,
    code_key,
    gtin_key,
    name_tokens,
    similarity,
)


def test_cyrillic_and_latin_a4_are_the_same_token():
    assert name_tokens("Бумага А4") == name_tokens("бумага A4")


def test_yo_case_and_punctuation_do_not_matter():
    assert name_tokens("Ручка ЧЁРНАЯ, (0.7 мм)") == name_tokens("ручка черная 0.7мм")


def test_units_are_glued_to_their_numbers_in_one_spelling():
    komus = name_tokens("Бумага SvetoCopy (А4, 80 г/кв.м, 500 листов)")
    client = name_tokens("Бумага SvetoCopy A4 80гр/м2 500 л.")

    assert komus == client
    assert {"80г", "500л"} <= komus


def test_counting_words_and_prepositions_are_dropped():
    assert name_tokens("Скобы для степлера №10, 1000 шт.") == name_tokens(
        "скобы степлера №10 1000"
    )


def test_a_decimal_comma_is_a_decimal_point():
    assert "0.5мм" in name_tokens("линия 0,5 мм")


def test_word_endings_meet_at_a_stem():
    assert name_tokens("папка синяя офисная") == name_tokens("папки синий офисной")


def test_no_name_has_no_tokens():
    assert name_tokens(None) == frozenset()
    assert name_tokens(" , ") == frozenset()


@pytest.mark.parametrize(
    ("client", "komus"),
    [("sve 123456", "SVE-123456"), ("КМ.1001", "KM-1001"), ("192678", "192678")],
)
def test_codes_compare_without_case_separators_or_lookalikes(client: str, komus: str):
    assert code_key(client) == code_key(komus)


@pytest.mark.parametrize(
    ("barcode", "key"),
    [
        ("4600000000008", "04600000000008"),
        (" 4612345678903 ", "04612345678903"),
        ("036000291452", "00036000291452"),
        ("96385074", "00000096385074"),
    ],
)
def test_valid_barcodes_become_gtin14(barcode: str, key: str):
    assert gtin_key(barcode) == key


@pytest.mark.parametrize(
    "barcode", ["4600000000004", "0000000000000", "12345", "46000000000x8", "", None]
)
def test_wrong_check_digits_and_placeholders_are_no_barcode(barcode: str | None):
    assert gtin_key(barcode) is None


def test_rare_shared_tokens_weigh_more_than_common_ones():
    names = [name_tokens(n) for n in ("бумага SvetoCopy", "бумага Снегурочка")] * 5
    weights = Weights(names)
    client = name_tokens("бумага SvetoCopy")

    brand_only = similarity(client, name_tokens("SvetoCopy"), weights)
    word_only = similarity(client, name_tokens("бумага"), weights)

    assert brand_only > word_only


def test_same_tokens_score_one_and_disjoint_zero():
    weights = Weights([name_tokens("ручка синяя")])
    tokens = name_tokens("ручка синяя")

    assert similarity(tokens, tokens, weights) == pytest.approx(1.0)
    assert similarity(tokens, name_tokens("цемент"), weights) == 0.0
