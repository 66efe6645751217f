"""Key condition expressions for Query.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.services.dynamodb.expression import compile_key_condition
from tests.unit.services.dynamodb.expect import error_of

VALUES: dict[str, Any] = {
    ":p": {"S": "user#1"},
    ":a": {"N": "10"},
    ":b": {"N": "20"},
    ":pre": {"S": "2024-"},
}


def compile_(text: str, sort_key: str | None = "sk", **kwargs: Any) -> Any:
    used = {key: value for key, value in VALUES.items() if key in text}
    return compile_key_condition(text, None, used, partition_key="pk", sort_key=sort_key, **kwargs)


def error(text: str, sort_key: str | None = "sk", **kwargs: Any) -> str:
    return error_of(compile_, text, sort_key, **kwargs)


def test_key_condition_partition_only() -> None:
    key = compile_("pk = :p")
    assert key.partition_value == {"S": "user#1"}
    assert key.sort is None


@pytest.mark.parametrize(
    ("text", "operator", "values"),
    [
        ("pk = :p AND sk = :a", "=", ({"N": "10"},)),
        ("pk = :p AND sk < :a", "<", ({"N": "10"},)),
        ("pk = :p AND sk >= :a", ">=", ({"N": "10"},)),
        ("sk > :a AND pk = :p", ">", ({"N": "10"},)),
        ("pk = :p AND :a <= sk", ">=", ({"N": "10"},)),
        ("pk = :p AND sk BETWEEN :a AND :b", "BETWEEN", ({"N": "10"}, {"N": "20"})),
        ("pk = :p AND begins_with(sk, :pre)", "begins_with", ({"S": "2024-"},)),
        ("(pk = :p) AND (sk < :b)", "<", ({"N": "20"},)),
    ],
)
def test_key_condition_sort_operator_and_values(
    text: str, operator: str, values: tuple[Any, ...]
) -> None:
    sort = compile_(text).sort
    assert (sort.attribute, sort.operator, sort.values) == ("sk", operator, values)


def test_key_condition_matches_items() -> None:
    key = compile_("pk = :p AND sk BETWEEN :a AND :b")
    assert key.matches({"pk": {"S": "user#1"}, "sk": {"N": "15"}})
    assert key.matches({"pk": {"S": "user#1"}, "sk": {"N": "20.0"}})
    assert not key.matches({"pk": {"S": "user#1"}, "sk": {"N": "21"}})
    assert not key.matches({"pk": {"S": "user#2"}, "sk": {"N": "15"}})


def test_key_condition_begins_with_matches_prefix() -> None:
    sort = compile_("pk = :p AND begins_with(sk, :pre)").sort
    assert sort.matches({"S": "2024-05"})
    assert not sort.matches({"S": "2023-05"})


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("pk = :p OR sk = :a", "OR"),
        ("pk = :p AND NOT sk = :a", "NOT"),
        ("pk IN (:p)", "IN"),
        ("pk <> :p", "<>"),
        ("attribute_exists(pk)", "attribute_exists"),
        ("contains(pk, :p)", "contains"),
    ],
)
def test_key_condition_invalid_operator_raises(text: str, operator: str) -> None:
    assert error(text) == f"Invalid operator used in KeyConditionExpression: {operator}"


def test_key_condition_nested_attribute_raises() -> None:
    assert (
        error("pk.x = :p") == "KeyConditionExpressions cannot have conditions on nested attributes"
    )


def test_key_condition_size_raises_nested_operations() -> None:
    assert error("size(pk) = :a") == "KeyConditionExpressions cannot contain nested operations"


def test_key_condition_two_attributes_in_one_condition_raises() -> None:
    assert error("pk = sk") == (
        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
        "condition"
    )


def test_key_condition_no_attribute_raises() -> None:
    assert error("pk = :p AND :a < :b") == (
        "Invalid condition in KeyConditionExpression: No key attribute specified"
    )


def test_key_condition_between_without_key_first_raises() -> None:
    assert error("pk = :p AND :a BETWEEN sk AND :b") == (
        "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
        "attribute as its first operand"
    )


def test_key_condition_two_conditions_on_one_key_raises() -> None:
    assert error("pk = :p AND sk > :a AND sk < :b") == (
        "KeyConditionExpressions must only contain one condition per key"
    )


def test_key_condition_partition_not_equality_raises() -> None:
    assert error("pk > :p") == "Query key condition not supported"


def test_key_condition_sort_condition_on_hash_only_table_raises() -> None:
    assert error("pk = :p AND sk = :a", sort_key=None) == "Query key condition not supported"


def test_key_condition_missing_partition_raises() -> None:
    assert error("sk = :a") == "Query condition missed key schema element: pk"


def test_key_condition_non_key_attribute_raises_missing_sort_key() -> None:
    assert error("pk = :p AND colour = :a") == "Query condition missed key schema element: sk"


def test_key_condition_value_type_must_match_schema() -> None:
    assert error("pk = :p AND sk = :pre", key_types={"pk": "S", "sk": "N"}) == (
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type"
    )


def test_key_condition_between_reversed_raises_with_label() -> None:
    assert error("pk = :p AND sk BETWEEN :b AND :a") == (
        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
        "than or equal to lower bound; lower bound operand: AttributeValue: {N:20}, "
        "upper bound operand: AttributeValue: {N:10}"
    )


def test_key_condition_begins_with_number_raises_with_label() -> None:
    assert error("pk = :p AND begins_with(sk, :a)") == (
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )
