"""Equality and ordering of attribute values.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html#HowItWorks.CoreComponents.PrimaryKey
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lamina.services.dynamodb.compare import compare, contains_member, equal, order_key


def test_equal_numbers_compare_numerically() -> None:
    assert equal({"N": "1.0"}, {"N": "1"})
    assert not equal({"N": "1"}, {"S": "1"})


def test_equal_sets_ignore_order() -> None:
    assert equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert equal({"NS": ["1", "2.0"]}, {"NS": ["2", "1"]})
    assert not equal({"SS": ["a"]}, {"SS": ["a", "b"]})


def test_equal_lists_are_ordered_and_maps_deep() -> None:
    assert not equal({"L": [{"N": "1"}, {"N": "2"}]}, {"L": [{"N": "2"}, {"N": "1"}]})
    assert equal({"M": {"a": {"L": [{"N": "1"}]}}}, {"M": {"a": {"L": [{"N": "1.00"}]}}})
    assert not equal({"M": {"a": {"N": "1"}}}, {"M": {"b": {"N": "1"}}})


def test_compare_numbers_numerically_not_textually() -> None:
    assert compare({"N": "9"}, {"N": "10"}) == -1
    assert compare({"N": "-1"}, {"N": "-10"}) == 1


def test_compare_strings_by_utf8_bytes() -> None:
    # U+FF21 is EF BC A1 in UTF-8, U+10000 is F0 90 80 80: UTF-8 order puts U+FF21 first,
    # where UTF-16 order (D800 DC00 < FF21) would not.
    assert compare({"S": "\uff21"}, {"S": "\U00010000"}) == -1
    assert compare({"S": "Z"}, {"S": "a"}) == -1


def test_compare_binary_bytewise() -> None:
    assert compare({"B": b"\x00\xff"}, {"B": b"\x01"}) == -1


def test_compare_different_types_or_unordered_types_is_none() -> None:
    assert compare({"N": "1"}, {"S": "1"}) is None
    assert compare({"BOOL": True}, {"BOOL": False}) is None


def test_contains_member_checks_set_type_and_list_elements() -> None:
    assert contains_member({"NS": ["1", "2"]}, {"N": "2.0"})
    assert not contains_member({"NS": ["1"]}, {"S": "1"})
    assert contains_member({"L": [{"M": {}}, {"S": "x"}]}, {"S": "x"})


_numbers = st.decimals(min_value=-(10**20), max_value=10**20, allow_nan=False, places=10)


@given(_numbers, _numbers)
def test_compare_numbers_property_matches_decimal_order(a: Decimal, b: Decimal) -> None:
    result = compare({"N": str(a)}, {"N": str(b)})
    assert result == (a > b) - (a < b)


@given(st.text(), st.text())
def test_order_key_strings_property_matches_utf8_bytes(a: str, b: str) -> None:
    assert order_key({"S": a}) == a.encode()
    assert compare({"S": a}, {"S": b}) == (a.encode() > b.encode()) - (a.encode() < b.encode())
