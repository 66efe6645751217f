"""Numbers: normalization, range and precision, with DynamoDB's messages.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.number import normalize_number, parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.50", "1.5"),
        ("-0", "0"),
        ("0.000", "0"),
        ("00012", "12"),
        ("1E+2", "100"),
        ("1e2", "100"),
        ("-12.5e-3", "-0.0125"),
        ("+7", "7"),
        (".5", "0.5"),
        ("5.", "5"),
    ],
)
def test_normalize_number_valid_text_returns_plain_form(text: str, expected: str) -> None:
    assert normalize_number(text) == expected


def test_normalize_number_largest_magnitude_is_accepted() -> None:
    text = "9.9999999999999999999999999999999999999E+125"
    assert normalize_number(text) == "99999999999999999999999999999999999999" + "0" * 88


def test_normalize_number_smallest_magnitude_is_accepted() -> None:
    assert normalize_number("1E-130") == "0." + "0" * 129 + "1"


@pytest.mark.parametrize("text", ["1e126", "-1e126", "10E+125"])
def test_parse_number_above_range_raises_overflow(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number(text)
    assert caught.value.code == "ValidationException"
    assert caught.value.message == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )


@pytest.mark.parametrize("text", ["1e-131", "-1e-131", "0.1E-130"])
def test_parse_number_below_range_raises_underflow(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number(text)
    assert caught.value.message == (
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )


@pytest.mark.parametrize(
    "text", ["123456789012345678901234567890123456789", "-1.23456789012345678901234567890123456789"]
)
def test_parse_number_39_digits_raises_precision_error(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number(text)
    assert caught.value.message == "Attempting to store more than 38 significant digits in a Number"


def test_parse_number_38_digits_with_zeros_around_is_accepted() -> None:
    assert normalize_number("000" + "1" * 38 + "000") == "1" * 38 + "000"


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "1_000", "1e", "--1", "0x10"])
def test_parse_number_not_a_number_raises_conversion_error(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number(text)
    assert caught.value.message == f"The parameter cannot be converted to a numeric value: {text}"


def test_parse_number_empty_raises_conversion_error_without_value() -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number("")
    assert caught.value.message == "The parameter cannot be converted to a numeric value"


def _storable(number: Decimal) -> bool:
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    return not digits or (-130 <= number.adjusted() <= 125 and len(digits) <= 38)


_numbers = st.decimals(allow_nan=False, allow_infinity=False).filter(_storable)


@given(_numbers)
def test_normalize_number_property_keeps_value_and_is_idempotent(number: Decimal) -> None:
    text = normalize_number(str(number))
    assert Decimal(text) == number
    assert normalize_number(text) == text
    assert "e" not in text.lower()
    assert not (("." in text) and text.endswith("0"))


@given(st.integers(min_value=10**38, max_value=10**60).filter(lambda i: i % 10 != 0))
def test_parse_number_property_more_than_38_digits_always_rejected(value: int) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_number(str(value))
    assert "38 significant digits" in caught.value.message
