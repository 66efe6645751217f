"""Attribute value validation as DynamoDB words its errors.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.types import (
    validate_item,
    validate_key_value,
    validate_value,
)

INVALID = "One or more parameter values were invalid: "


def message(value: Any) -> str:
    with pytest.raises(ServiceError) as caught:
        validate_value(value)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def test_validate_value_every_type_round_trips() -> None:
    values = [
        {"S": "x"},
        {"N": "1"},
        {"B": b"\x00"},
        {"BOOL": False},
        {"NULL": True},
        {"M": {"a": {"S": "b"}}},
        {"L": [{"N": "2"}, {"S": "c"}]},
        {"SS": ["a", "b"]},
        {"NS": ["1", "2"]},
        {"BS": [b"a", b"b"]},
    ]
    assert [validate_value(value) for value in values] == values


def test_validate_value_numbers_anywhere_are_normalized() -> None:
    value = {"M": {"a": {"L": [{"N": "1.50"}, {"NS": ["02", "3.0"]}]}}}
    assert validate_value(value) == {"M": {"a": {"L": [{"N": "1.5"}, {"NS": ["2", "3"]}]}}}


def test_validate_value_empty_string_and_binary_are_allowed() -> None:
    assert validate_value({"S": ""}) == {"S": ""}
    assert validate_value({"B": b""}) == {"B": b""}


def test_validate_value_empty_value_raises_datatype_error() -> None:
    assert message({}) == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


def test_validate_value_two_types_raises_datatype_error() -> None:
    assert message({"S": "a", "N": "1"}) == (
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        ({"BS": []}, INVALID + "Binary sets should not be empty"),
    ],
)
def test_validate_value_empty_set_raises(value: Any, expected: str) -> None:
    assert message(value) == expected


def test_validate_value_duplicate_strings_raise_with_members() -> None:
    assert message({"SS": ["a", "a"]}) == INVALID + "Input collection [a, a] contains duplicates."


def test_validate_value_numerically_equal_numbers_are_duplicates() -> None:
    assert message({"NS": ["1", "1.0"]}) == "Input collection contains duplicates"


def test_validate_value_duplicate_binaries_raise_with_base64_members() -> None:
    assert message({"BS": [b"b", b"b"]}) == (
        INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates."
    )


def test_validate_value_null_false_raises() -> None:
    assert message({"NULL": False}) == (
        INVALID + "Null attribute value types must have the value of true"
    )


def test_validate_value_bad_number_in_set_raises() -> None:
    assert message({"NS": ["1", "b"]}) == "The parameter cannot be converted to a numeric value: b"


def test_validate_value_bad_value_nested_in_map_raises() -> None:
    assert message({"M": {"a": {"L": [{"SS": []}]}}}) == INVALID + "An string set  may not be empty"


def test_validate_item_returns_normalized_item() -> None:
    assert validate_item({"n": {"N": "010"}}) == {"n": {"N": "10"}}


@pytest.mark.parametrize(("value", "kind"), [({"S": ""}, "string"), ({"B": b""}, "binary")])
def test_validate_key_value_empty_raises_naming_key(value: Any, kind: str) -> None:
    with pytest.raises(ServiceError) as caught:
        validate_key_value("pk", value)
    assert caught.value.message == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        f"cannot contain an empty {kind} value. Key: pk"
    )


def test_validate_key_value_non_empty_passes() -> None:
    validate_key_value("pk", {"S": "a"})
    validate_key_value("pk", {"N": "0"})
