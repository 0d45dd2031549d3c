import pytest

from gateway.identifiers import inn_problem, kpp_problem


@pytest.mark.parametrize(
    "inn",
    ["7707083893", "7736207543", "0274051582", "500100732259"],
)
def test_valid_inn_has_no_problem(inn):
    assert inn_problem(inn) is None


def test_inn_with_wrong_check_digit_names_the_expected_digit():
    problem = inn_problem("7707083894")

    assert problem == (
        "ИНН 7707083894 fails its check digit: the last digit should be 3"
    )


def test_twelve_digit_inn_with_wrong_last_digit_names_the_expected_digit():
    problem = inn_problem("500100732250")

    assert problem is not None
    assert "the last digit should be 9" in problem


def test_twelve_digit_inn_with_wrong_eleventh_digit_names_both_check_digits():
    problem = inn_problem("500100732269")

    assert problem is not None
    assert "the last two digits should be 59" in problem


def test_inn_with_a_letter_names_the_character():
    problem = inn_problem("77O7083893")

    assert problem is not None
    assert "digits only" in problem
    assert "'O'" in problem


def test_inn_with_a_space_is_refused_rather_than_trimmed():
    problem = inn_problem("7707083893 ")

    assert problem is not None
    assert "digits only" in problem


@pytest.mark.parametrize("inn", ["770708389", "77070838931", "5001007322590"])
def test_inn_of_wrong_length_says_how_long_an_inn_is(inn):
    problem = inn_problem(inn)

    assert problem is not None
    assert f"has {len(inn)} digits" in problem
    assert "10" in problem and "12" in problem


def test_empty_inn_is_reported_as_empty():
    assert inn_problem("") == "ИНН is empty"


def test_length_and_check_digit_problems_read_differently():
    too_short = inn_problem("770708389")

    bad_digit = inn_problem("7707083894")

    assert too_short != bad_digit
    assert "check digit" not in (too_short or "")


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", "7736Z0001"])
def test_valid_kpp_has_no_problem(kpp):
    assert kpp_problem(kpp) is None


@pytest.mark.parametrize("kpp", ["77360100", "7736010010"])
def test_kpp_of_wrong_length_says_a_kpp_has_nine_characters(kpp):
    problem = kpp_problem(kpp)

    assert problem is not None
    assert "has 9" in problem


def test_kpp_reason_code_in_lower_case_asks_for_capital_latin_letters():
    problem = kpp_problem("7736ab001")

    assert problem is not None
    assert "capital Latin letters" in problem


def test_kpp_reason_code_in_cyrillic_letters_is_refused():
    assert kpp_problem("7736АВ001") is not None


def test_kpp_tax_office_code_must_be_digits():
    problem = kpp_problem("77A601001")

    assert problem is not None
    assert "tax office code" in problem


def test_kpp_serial_number_must_be_digits():
    problem = kpp_problem("77360100A")

    assert problem is not None
    assert "last 3 characters" in problem


def test_empty_kpp_is_reported_as_empty():
    assert kpp_problem("") == "КПП is empty"
