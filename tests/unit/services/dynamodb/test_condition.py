"""Parsing condition expressions: syntax, placeholders, reserved words, function checks.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
"""

from __future__ import annotations

from typing import Any

import pytest

from lamina.services.dynamodb.expression import compile_condition
from lamina.services.dynamodb.expression.tree import (
    And,
    Between,
    Comparison,
    FunctionCondition,
    In,
    Not,
    Or,
    Path,
)
from tests.unit.services.dynamodb.expect import error_of

VALUES: dict[str, Any] = {
    ":s": {"S": "x"},
    ":n": {"N": "1"},
    ":m": {"N": "10"},
    ":t": {"S": "SS"},
}


def parse(text: str, names: dict[str, str] | None = None) -> Any:
    return compile_condition(text, names, VALUES).node


def error(text: str, names: dict[str, str] | None = None) -> str:
    return error_of(compile_condition, text, names, VALUES)


def test_compile_condition_comparison_builds_typed_tree() -> None:
    node = parse("a.b[2].c >= :n")
    assert node == Comparison(">=", Path(("a", "b", 2, "c")), node.right)
    assert node.right.value == {"N": "1"}


def test_compile_condition_and_binds_tighter_than_or() -> None:
    node = parse("a = :s OR b = :s AND c = :s")
    assert isinstance(node, Or)
    assert isinstance(node.right, And)


def test_compile_condition_not_binds_tighter_than_and() -> None:
    node = parse("NOT a = :s AND b = :s")
    assert isinstance(node, And)
    assert isinstance(node.left, Not)


def test_compile_condition_parentheses_override_precedence() -> None:
    node = parse("(a = :s OR b = :s) AND c = :s")
    assert isinstance(node, And)
    assert isinstance(node.left, Or)


def test_compile_condition_keywords_are_case_insensitive() -> None:
    node = parse("a between :n and :m or not b in (:s)")
    assert isinstance(node, Or)
    assert isinstance(node.left, Between)
    assert isinstance(node.right, Not) and isinstance(node.right.operand, In)


def test_compile_condition_parenthesized_operand_is_an_operand() -> None:
    assert parse("(a) = :s") == parse("a = :s")


def test_compile_condition_function_builds_function_condition() -> None:
    node = parse("begins_with(#n, :s)", {"#n": "name"})
    assert isinstance(node, FunctionCondition)
    assert node.call.args[0] == Path(("name",))


def test_compile_condition_name_placeholders_resolve_in_nested_paths() -> None:
    node = parse("#a.#b[0] = :s", {"#a": "x.y", "#b": "z"})
    assert node.left == Path(("x.y", "z", 0))


def test_compile_condition_records_used_placeholders() -> None:
    condition = compile_condition("#a = :s", {"#a": "a", "#b": "b"}, VALUES)
    assert condition.names_used == {"#a"}
    assert condition.values_used == {":s"}


def test_compile_condition_empty_raises() -> None:
    assert error("") == "Invalid ConditionExpression: The expression can not be empty;"


def test_compile_condition_label_names_filter_expression() -> None:
    message = error_of(compile_condition, "", None, None, label="FilterExpression")
    assert message == "Invalid FilterExpression: The expression can not be empty;"


@pytest.mark.parametrize(
    ("text", "token", "near"),
    [
        ("foo", "<EOF>", "foo"),
        ("a = ", "<EOF>", "="),
        ("s == :s", "=", "=="),
        ("a = :s !", "!", ":s !"),
        ("a = :s AND", "<EOF>", "AND"),
        ("a = :s b = :s", "b", ":s b"),
        ("a[x] = :s", "x", "[x"),
        ("(a = :s", "<EOF>", ":s"),
    ],
)
def test_compile_condition_syntax_error_names_token_and_context(
    text: str, token: str, near: str
) -> None:
    assert error(text) == (
        f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'
    )


def test_compile_condition_reserved_word_as_bare_name_raises() -> None:
    assert error("Comment = :s") == (
        "Invalid ConditionExpression: Attribute name is a reserved keyword; "
        "reserved keyword: Comment"
    )


def test_compile_condition_reserved_word_nested_raises() -> None:
    assert error("a.size = :s").endswith("reserved keyword: size")


def test_compile_condition_reserved_word_through_placeholder_is_fine() -> None:
    assert parse("#c = :s", {"#c": "comment"}).left == Path(("comment",))


def test_compile_condition_undefined_name_raises() -> None:
    assert error("#x = :s") == (
        "Invalid ConditionExpression: An expression attribute name used in the document path "
        "is not defined; attribute name: #x"
    )


def test_compile_condition_undefined_value_raises() -> None:
    assert error("a = :zz") == (
        "Invalid ConditionExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :zz"
    )


def test_compile_condition_invalid_value_raises_with_key() -> None:
    message = error_of(compile_condition, "a = :v", None, {":v": {"SS": []}})
    assert message == (
        "ExpressionAttributeValues contains invalid value: One or more parameter values were "
        "invalid: An string set  may not be empty for key :v"
    )


def test_compile_condition_unknown_function_raises() -> None:
    assert error("foo(a)") == "Invalid ConditionExpression: Invalid function name; function: foo"


def test_compile_condition_update_function_raises() -> None:
    assert error("a = if_not_exists(b, :s)") == (
        "Invalid ConditionExpression: The function is not allowed in a condition expression; "
        "function: if_not_exists"
    )


def test_compile_condition_size_alone_is_misused() -> None:
    assert error("size(a)") == (
        "Invalid ConditionExpression: The function is not allowed to be used this way in an "
        "expression; function: size"
    )


def test_compile_condition_boolean_function_as_operand_is_misused() -> None:
    assert error("attribute_exists(a) = :s").endswith("function: attribute_exists")


def test_compile_condition_wrong_operand_count_raises() -> None:
    assert error("size(a, b) > :n") == (
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
        "operator or function: size, number of operands: 2"
    )


def test_compile_condition_attribute_exists_of_value_raises() -> None:
    assert error("attribute_exists(:s)") == (
        "Invalid ConditionExpression: Operator or function requires a document path; "
        "operator or function: attribute_exists"
    )


def test_compile_condition_begins_with_number_raises() -> None:
    assert error("begins_with(a, :n)") == (
        "Invalid ConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )


def test_compile_condition_attribute_type_unknown_type_raises() -> None:
    assert error("attribute_type(a, :s)") == (
        "Invalid ConditionExpression: Invalid attribute type name found; type: x, "
        "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )


def test_compile_condition_same_path_both_sides_raises() -> None:
    assert error("a = a") == (
        "Invalid ConditionExpression: The first operand must be distinct from the remaining "
        "operands for this operator or function; operator: =, first operand: [a]"
    )


def test_compile_condition_between_reversed_bounds_raises() -> None:
    assert error("a BETWEEN :m AND :n") == (
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
        "than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, "
        "upper bound operand: AttributeValue: {N:1}"
    )


def test_compile_condition_between_mixed_types_raises() -> None:
    assert error("a BETWEEN :n AND :s") == (
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
        "and upper bounds; lower bound operand: AttributeValue: {N:1}, "
        "upper bound operand: AttributeValue: {S:x}"
    )


def test_compile_condition_redundant_parentheses_raise() -> None:
    assert error("((a = :s))") == (
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    )


def test_compile_condition_in_with_100_operands_is_accepted() -> None:
    values = {f":v{i}": {"N": str(i)} for i in range(100)}
    text = f"a IN ({', '.join(values)})"
    node = compile_condition(text, None, values).node
    assert isinstance(node, In) and len(node.choices) == 100


def test_compile_condition_in_with_101_operands_raises() -> None:
    values = {f":v{i}": {"N": str(i)} for i in range(101)}
    message = error_of(compile_condition, f"a IN ({', '.join(values)})", None, values)
    assert message == (
        "Invalid ConditionExpression: The IN operator is provided with too many operands; "
        "number of operands: 101"
    )


def test_compile_condition_parentheses_error_wins_over_reserved_word() -> None:
    # DynamoDB reports redundant parentheses before reserved words.
    assert error("((comment = :s))").endswith("redundant parentheses;")


def test_compile_condition_syntax_error_wins_over_semantic_problems() -> None:
    assert "Syntax error" in error("comment = :zz =")
