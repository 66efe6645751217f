"""Unused placeholders across the expressions of one request.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html
"""

from __future__ import annotations

from lamina.services.dynamodb.expression import (
    check_unused,
    compile_condition,
    compile_projection,
    compile_update,
)
from tests.unit.services.dynamodb.expect import error_of

NAMES = {"#a": "a", "#b": "b"}
VALUES = {":x": {"S": "x"}, ":y": {"S": "y"}}


def test_check_unused_all_used_across_expressions_passes() -> None:
    update = compile_update("SET #a = :x", NAMES, VALUES)
    condition = compile_condition("#b <> :y", NAMES, VALUES)
    check_unused(NAMES, VALUES, update, condition)


def test_check_unused_name_raises_listing_keys() -> None:
    projection = compile_projection("c", NAMES)
    assert error_of(check_unused, NAMES, None, projection) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    )


def test_check_unused_value_raises_listing_key() -> None:
    condition = compile_condition("#a = :x AND #b = :x", NAMES, VALUES)
    assert error_of(check_unused, NAMES, VALUES, condition) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"
    )


def test_check_unused_names_are_reported_before_values() -> None:
    condition = compile_condition("#a = :x", NAMES, VALUES)
    assert "ExpressionAttributeNames" in error_of(check_unused, NAMES, VALUES, condition)


def test_check_unused_skips_absent_expressions() -> None:
    condition = compile_condition("#a = :x", {"#a": "a"}, {":x": {"S": "x"}})
    check_unused({"#a": "a"}, {":x": {"S": "x"}}, None, condition)
