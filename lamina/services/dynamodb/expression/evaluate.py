"""Evaluating condition trees against an item (ConditionExpression, FilterExpression).

A comparison with a missing operand is false, except "<>", which is true; values of
different types are never equal and never ordered; functions follow
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.services.dynamodb.compare import compare, contains_member, equal
from lamina.services.dynamodb.expression import document
from lamina.services.dynamodb.expression.tree import (
    And,
    Between,
    Call,
    Comparison,
    ConditionNode,
    FunctionCondition,
    In,
    Not,
    Operand,
    Or,
    Path,
    Value,
)
from lamina.services.dynamodb.types import AttributeValue, type_of

Document = Mapping[str, AttributeValue]


def matches(node: ConditionNode, item: Document) -> bool:
    if isinstance(node, And):
        return matches(node.left, item) and matches(node.right, item)
    if isinstance(node, Or):
        return matches(node.left, item) or matches(node.right, item)
    if isinstance(node, Not):
        return not matches(node.operand, item)
    if isinstance(node, Comparison):
        return _compare(node.operator, operand(node.left, item), operand(node.right, item))
    if isinstance(node, Between):
        value = operand(node.operand, item)
        low, high = operand(node.low, item), operand(node.high, item)
        return _compare(">=", value, low) and _compare("<=", value, high)
    if isinstance(node, In):
        value = operand(node.operand, item)
        return value is not None and any(
            _compare("=", value, operand(choice, item)) for choice in node.choices
        )
    assert isinstance(node, FunctionCondition)
    return _function(node.call, item)


def operand(node: Operand, item: Document) -> AttributeValue | None:
    """The value of a condition operand; None when it refers to a missing attribute."""
    if isinstance(node, Value):
        return node.value
    if isinstance(node, Path):
        return document.get(item, node)
    if isinstance(node, Call) and node.name == "size":
        return size(operand(node.args[0], item))
    raise TypeError(f"not a condition operand: {node!r}")


def size(value: Mapping[str, Any] | None) -> AttributeValue | None:
    """size(): characters of a string, bytes of a binary, members of a set, list or map."""
    if value is None:
        return None
    kind = type_of(value)
    if kind in ("N", "BOOL", "NULL"):
        return None
    return {"N": str(len(value[kind]))}


def _compare(operator: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if left is None or right is None:
        return operator == "<>"
    if operator == "=":
        return equal(left, right)
    if operator == "<>":
        return not equal(left, right)
    order = compare(left, right)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[operator]


def _function(call: Call, item: Document) -> bool:
    args = [operand(arg, item) for arg in call.args]
    if call.name == "attribute_exists":
        return args[0] is not None
    if call.name == "attribute_not_exists":
        return args[0] is None
    first, second = args[0], args[1]
    if first is None or second is None:
        return False
    if call.name == "attribute_type":
        return type_of(first) == second.get("S")
    if call.name == "begins_with":
        return begins_with(first, second)
    return _contains(first, second)


def begins_with(value: Mapping[str, Any], prefix: Mapping[str, Any]) -> bool:
    kind = type_of(value)
    if kind not in ("S", "B") or type_of(prefix) != kind:
        return False
    return bool(value[kind].startswith(prefix[kind]))


def _contains(value: Mapping[str, Any], member: Mapping[str, Any]) -> bool:
    """contains(): a substring of a string, bytes of a binary, a member of a set or list."""
    kind = type_of(value)
    if kind in ("S", "B"):
        return type_of(member) == kind and member[kind] in value[kind]
    return contains_member(value, member)
