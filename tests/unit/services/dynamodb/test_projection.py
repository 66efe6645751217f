"""Projection expressions.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
"""

from __future__ import annotations

from typing import Any

from lamina.services.dynamodb.expression import compile_projection
from tests.unit.services.dynamodb.expect import error_of

ITEM: dict[str, Any] = {
    "a": {"S": "x"},
    "b": {"N": "1"},
    "l": {"L": [{"S": "0"}, {"M": {"k": {"S": "v"}, "o": {"S": "w"}}}, {"S": "2"}, {"S": "3"}]},
    "m": {"M": {"x": {"N": "1"}, "y": {"M": {"z": {"BOOL": True}}}}},
}


def project(text: str, names: dict[str, str] | None = None) -> Any:
    return compile_projection(text, names).apply(ITEM)


def test_projection_top_level_attributes() -> None:
    assert project("a, b") == {"a": {"S": "x"}, "b": {"N": "1"}}


def test_projection_nested_map_keeps_structure() -> None:
    assert project("m.y.z") == {"m": {"M": {"y": {"M": {"z": {"BOOL": True}}}}}}


def test_projection_list_elements_close_up_in_index_order() -> None:
    assert project("l[3], l[0]") == {"l": {"L": [{"S": "0"}, {"S": "3"}]}}


def test_projection_inside_list_element() -> None:
    assert project("l[1].k") == {"l": {"L": [{"M": {"k": {"S": "v"}}}]}}


def test_projection_missing_paths_are_left_out() -> None:
    assert project("a, nope, m.nope, l[9], b.c") == {"a": {"S": "x"}}


def test_projection_placeholders_and_reserved_names() -> None:
    projection = compile_projection("#n", {"#n": "name", "#x": "x"})
    assert projection.names_used == {"#n"}
    assert projection.apply({"name": {"S": "n"}}) == {"name": {"S": "n"}}


def test_projection_reserved_word_raises() -> None:
    assert error_of(compile_projection, "a, Name", None) == (
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Name"
    )


def test_projection_overlapping_paths_raise() -> None:
    assert error_of(compile_projection, "m, m.x", None) == (
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove "
        "or rewrite one of these paths; path one: [m], path two: [m, x]"
    )


def test_projection_undefined_name_raises() -> None:
    assert error_of(compile_projection, "#a", None) == (
        "Invalid ProjectionExpression: An expression attribute name used in the document path "
        "is not defined; attribute name: #a"
    )


def test_projection_empty_and_syntax_errors() -> None:
    assert error_of(compile_projection, "", None) == (
        "Invalid ProjectionExpression: The expression can not be empty;"
    )
    assert error_of(compile_projection, "a,", None) == (
        'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'
    )
