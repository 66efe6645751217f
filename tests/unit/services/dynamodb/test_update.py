"""Update expressions: parsing checks and applying SET, REMOVE, ADD and DELETE.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.services.dynamodb.expression import compile_update
from tests.unit.services.dynamodb.expect import error_of

VALUES: dict[str, Any] = {
    ":s": {"S": "x"},
    ":n": {"N": "1"},
    ":l": {"L": [{"S": "z"}]},
    ":ss": {"SS": ["a", "b"]},
    ":ns": {"NS": ["3"]},
    ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
}


def apply(text: str, item: dict[str, Any], names: dict[str, str] | None = None) -> Any:
    used = {key: value for key, value in VALUES.items() if key in text}
    return compile_update(text, names, used).apply(item)


def error(text: str) -> str:
    used = {key: value for key, value in VALUES.items() if key in text}
    return error_of(compile_update, text, None, used)


def apply_error(text: str, item: dict[str, Any]) -> str:
    used = {key: value for key, value in VALUES.items() if key in text}
    update = compile_update(text, None, used)
    return error_of(update.apply, item)


def test_update_apply_returns_copy_and_leaves_item_unchanged() -> None:
    item = {"m": {"M": {"a": {"N": "1"}}}}
    result = apply("SET m.b = :s", item)
    assert result == {"m": {"M": {"a": {"N": "1"}, "b": {"S": "x"}}}}
    assert item == {"m": {"M": {"a": {"N": "1"}}}}


def test_update_set_arithmetic_adds_and_subtracts() -> None:
    item = {"a": {"N": "5"}}
    assert apply("SET a = a + :n", item) == {"a": {"N": "6"}}
    assert apply("SET a = a - :n", item) == {"a": {"N": "4"}}
    assert apply("SET b = :n - a", item) == {"a": {"N": "5"}, "b": {"N": "-4"}}


def test_update_set_values_read_the_item_before_the_update() -> None:
    item = {"a": {"N": "1"}, "b": {"N": "2"}}
    assert apply("SET a = b, b = a", item) == {"a": {"N": "2"}, "b": {"N": "1"}}


def test_update_set_list_append_both_orders() -> None:
    item = {"l": {"L": [{"S": "y"}]}}
    assert apply("SET l = list_append(l, :l)", item) == {"l": {"L": [{"S": "y"}, {"S": "z"}]}}
    assert apply("SET l = list_append(:l, l)", item) == {"l": {"L": [{"S": "z"}, {"S": "y"}]}}


def test_update_set_if_not_exists_keeps_existing_value() -> None:
    assert apply("SET a = if_not_exists(a, :n)", {"a": {"N": "7"}}) == {"a": {"N": "7"}}
    assert apply("SET a = if_not_exists(a, :n)", {}) == {"a": {"N": "1"}}


def test_update_set_if_not_exists_plus_number_counts_from_default() -> None:
    assert apply("SET c = if_not_exists(c, :n) + :n", {}) == {"c": {"N": "2"}}


def test_update_set_list_index_replaces_or_appends_past_the_end() -> None:
    item = {"l": {"L": [{"S": "a"}, {"S": "b"}]}}
    assert apply("SET l[1] = :s", item) == {"l": {"L": [{"S": "a"}, {"S": "x"}]}}
    assert apply("SET l[10] = :s", item)["l"]["L"][-1] == {"S": "x"}


def test_update_set_through_placeholders_with_reserved_names() -> None:
    result = apply("SET #c.#d = :s", {"comment": {"M": {}}}, {"#c": "comment", "#d": "data"})
    assert result == {"comment": {"M": {"data": {"S": "x"}}}}


def test_update_remove_attributes_and_list_elements_by_original_index() -> None:
    item = {"a": {"S": "1"}, "l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}
    result = apply("REMOVE a, l[1], l[3]", item)
    assert result == {"l": {"L": [{"N": "0"}, {"N": "2"}]}}


def test_update_remove_missing_attribute_or_index_is_no_error() -> None:
    item = {"l": {"L": [{"N": "0"}]}}
    assert apply("REMOVE nope, l[5]", item) == item


def test_update_add_number_and_set_union() -> None:
    item = {"n": {"N": "1.5"}, "s": {"SS": ["a", "c"]}}
    result = apply("ADD n :n, s :ss, fresh :ns", item)
    assert result["n"] == {"N": "2.5"}
    assert sorted(result["s"]["SS"]) == ["a", "b", "c"]
    assert result["fresh"] == {"NS": ["3"]}


def test_update_delete_removes_members_and_empty_set_removes_attribute() -> None:
    item = {"s": {"SS": ["a", "b", "c"]}, "t": {"SS": ["a"]}}
    assert apply("DELETE s :ss", item)["s"] == {"SS": ["c"]}
    assert "t" not in apply("DELETE t :ss", item)


def test_update_all_four_clauses_in_any_order() -> None:
    item = {"a": {"N": "1"}, "r": {"S": "x"}, "s": {"SS": ["a"]}}
    result = apply("delete s :ss add a :n remove r set b = :s", item)
    assert result == {"a": {"N": "2"}, "b": {"S": "x"}}


def test_update_clause_twice_raises() -> None:
    assert error("SET a = :s SET b = :s") == (
        'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'
    )


def test_update_same_path_twice_raises_overlap() -> None:
    assert error("SET a = :s REMOVE a") == (
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [a], path two: [a]"
    )


def test_update_nested_path_inside_another_raises_overlap() -> None:
    assert error("SET a.b[1] = :s, a.b = :s").endswith("path one: [a, b, [1]], path two: [a, b]")


def test_update_map_and_list_access_of_one_path_raises_conflict() -> None:
    assert error("SET a.b = :s, a[0] = :s") == (
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
        "rewrite one of these paths; path one: [a, b], path two: [a, [0]]"
    )


def test_update_sibling_paths_are_fine() -> None:
    assert apply("SET a.b = :s, a.c = :s", {"a": {"M": {}}})["a"]["M"].keys() == {"b", "c"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ADD a :s", "operator: ADD, operand type: STRING"),
        ("ADD a :l", "operator: ADD, operand type: LIST"),
        ("DELETE a :n", "operator: DELETE, operand type: NUMBER"),
        ("SET a = :s + :n", "operator or function: +, operand type: S"),
        ("SET a = list_append(:n, b)", "operator or function: list_append, operand type: N"),
    ],
)
def test_update_literal_of_wrong_type_raises(text: str, message: str) -> None:
    assert error(text) == (
        f"Invalid UpdateExpression: Incorrect operand type for operator or function; {message}"
    )


def test_update_condition_function_raises() -> None:
    assert error("SET a = size(b)") == (
        "Invalid UpdateExpression: The function is not allowed in an update expression; "
        "function: size"
    )


def test_update_unknown_function_raises() -> None:
    assert error("SET a = bogus(b)") == (
        "Invalid UpdateExpression: Invalid function name; function: bogus"
    )


def test_update_if_not_exists_of_value_raises() -> None:
    assert error("SET a = if_not_exists(:s, :s)") == (
        "Invalid UpdateExpression: Operator or function requires a document path; "
        "operator or function: if_not_exists"
    )


def test_update_reserved_word_raises() -> None:
    assert error("REMOVE Size") == (
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Size"
    )


@pytest.mark.parametrize(
    ("text", "token", "near"),
    [
        ("SET", "<EOF>", "SET"),
        ("SET a = :s,", "<EOF>", ","),
        ("a = :s", "a", "a"),
        ("SET a = :s + :n + :n", "+", ":n +"),
        ("ADD a", "<EOF>", "a"),
    ],
)
def test_update_syntax_error(text: str, token: str, near: str) -> None:
    used = {key: value for key, value in VALUES.items() if key in text}
    assert error_of(compile_update, text, None, used) == (
        f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'
    )


def test_update_operand_missing_from_item_raises() -> None:
    assert apply_error("SET a = b + :n", {}) == (
        "The provided expression refers to an attribute that does not exist in the item"
    )


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("SET a = a + :n", {"a": {"S": "1"}}),
        ("SET a = list_append(a, :l)", {"a": {"S": "1"}}),
        ("ADD a :n", {"a": {"S": "1"}}),
        ("ADD a :ss", {"a": {"NS": ["1"]}}),
        ("DELETE a :ss", {"a": {"S": "a"}}),
    ],
)
def test_update_operand_of_wrong_type_in_item_raises(text: str, item: dict[str, Any]) -> None:
    assert apply_error(text, item) == (
        "An operand in the update expression has an incorrect data type"
    )


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("SET absent.b = :s", {}),
        ("SET s[0] = :s", {"s": {"S": "text"}}),
        ("SET m.a.b = :s", {"m": {"M": {}}}),
    ],
)
def test_update_path_through_missing_or_scalar_parent_raises(
    text: str, item: dict[str, Any]
) -> None:
    assert apply_error(text, item) == (
        "The document path provided in the update expression is invalid for update"
    )


def test_update_arithmetic_overflow_raises_number_overflow() -> None:
    assert apply_error("SET a = :big + :big", {}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
